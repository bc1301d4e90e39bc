"""IOMMU-* rules: mistakes in the use of EDKII_IOMMU_PROTOCOL seen while replaying IoMmuDxe.

Detection lives in ``app.analysis.simulator.iommu``; keys name the device and operation (never
an address or line number), so a leak repeated in every boot keeps one fingerprint.
"""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

MAPPING_LEAKED = Rule(
    "IOMMU-001",
    1,
    Severity.MEDIUM,
    "DMA mapping never unmapped",
    "A one-shot Read/Write mapping was still live when ExitBootServices tore the IOMMU down "
    "(or when the log ended). Its bounce buffer stayed shared with the host - readable and "
    "writable by the hypervisor - for longer than the transfer needed, and the driver that "
    "mapped it lost track of a DMA it may still consider in flight.",
    "Find the driver that owns the mapping (see the device) and make it Unmap() on every path, "
    "including errors and timeouts. Long-lived CommonBuffer rings torn down at "
    "ExitBootServices are expected and are not reported.",
)
UNMAP_UNKNOWN = Rule(
    "IOMMU-002",
    1,
    Severity.HIGH,
    "Unmap of an unknown mapping",
    "IoMmuUnmapWorker was given a Mapping value that Map() never returned in this log. In the "
    "firmware this dereferences a stale or forged MAP_INFO pointer and may re-encrypt or free "
    "memory that belongs to someone else.",
    "Check the driver's mapping bookkeeping; if the log was truncated at its start, re-capture "
    "it from the first line.",
)
UNMAP_TWICE = Rule(
    "IOMMU-003",
    1,
    Severity.HIGH,
    "Mapping unmapped twice",
    "A mapping was unmapped after it had already been unmapped. The second Unmap uses freed "
    "MAP_INFO memory: it can copy stale data over the caller's buffer, re-encrypt pages that "
    "are in use, or free a bounce buffer twice.",
    "Clear the driver's mapping handle after Unmap() and guard its error paths against a "
    "second unmap.",
)
FREE_MAPPED = Rule(
    "IOMMU-004",
    1,
    Severity.HIGH,
    "FreeBuffer of memory that is still mapped",
    "IoMmuFreeBuffer released a common buffer while a CommonBuffer mapping of it was still "
    "live. The pages go back to the allocator still decrypted, so later private data placed "
    "there is visible to the host, and the device can keep writing into reused memory.",
    "Unmap the buffer before freeing it (VirtioRingUnmap before VirtioRingUninit, "
    "UnmapSharedBuffer before FreeSharedPages).",
)
FREE_UNKNOWN = Rule(
    "IOMMU-005",
    1,
    Severity.MEDIUM,
    "FreeBuffer of memory not allocated by AllocateBuffer",
    "IoMmuFreeBuffer was given an address AllocateBuffer never returned (or one already "
    "freed). The firmware trusts a header page in front of the address and may free an "
    "arbitrary stash buffer.",
    "Free only what AllocateBuffer returned, exactly once.",
)
COMMON_NOT_ALLOCATED = Rule(
    "IOMMU-006",
    1,
    Severity.HIGH,
    "CommonBuffer mapping of memory not from AllocateBuffer",
    "A CommonBuffer map decrypts the buffer in place, using the stash and header page that "
    "AllocateBuffer set up in front of it. Memory from elsewhere has no such header: the "
    "firmware ASSERTs in DEBUG builds and decrypts neighbouring private memory in RELEASE "
    "builds.",
    "Allocate common buffers with PciIo->AllocateBuffer / IoMmu->AllocateBuffer; map "
    "ordinary memory with Read or Write operations (bounce buffers) instead.",
)
ABOVE_4G = Rule(
    "IOMMU-007",
    1,
    Severity.MEDIUM,
    "32-bit DMA buffer above 4 GiB",
    "A 32-bit operation (Read, Write, CommonBuffer) got - or asked for - a buffer above "
    "4 GiB. A device limited to 32-bit addresses cannot reach it: the CommonBuffer map fails "
    "with EFI_UNSUPPORTED, and a bounce buffer placed above 4 GiB (the reserved pool ignores "
    "the below-4 GiB limit) makes the DMA hit the wrong memory.",
    "Allocate 32-bit common buffers without DUAL_ADDRESS_CYCLE; make sure the IoMmu reserved "
    "pool sits below 4 GiB or that 32-bit bounce buffers bypass it.",
)

RULES = (
    MAPPING_LEAKED,
    UNMAP_UNKNOWN,
    UNMAP_TWICE,
    FREE_MAPPED,
    FREE_UNKNOWN,
    COMMON_NOT_ALLOCATED,
    ABOVE_4G,
)
