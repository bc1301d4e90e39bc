"""POOL-* rules: the reserved shared-memory pool of IoMmuDxe (edk2 >= edk2-stable202302).

Detection lives in ``app.analysis.simulator.iommu`` / ``simulator.pool``; keys name the pool
range ("32K", "2M"), never an address.
"""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

POOL_EXHAUSTED = Rule(
    "POOL-001",
    1,
    Severity.LOW,
    "Reserved DMA pool exhausted, fell back to the legacy path",
    "Every slot of the pool range that fits the request was busy, so IoMmuDxe allocated "
    "fresh pages and converted them to shared and back (one page-state change, and on SNP a "
    "PVALIDATE and a page-state VMGEXIT, per map and per unmap). That is slow, fragments the "
    "2 MiB mappings of guest memory, and widens what the host sees over the boot.",
    "Look at the device that needed the extra buffers: too many concurrent mappings or "
    "mappings that are not released. If the load is legitimate, consider enlarging the pool "
    "ranges in IoMmuBuffer.c.",
)
POOL_SLOT_SHARED = Rule(
    "POOL-002",
    1,
    Severity.HIGH,
    "One pool slot handed to two live mappings",
    "Two live DMA mappings were given the same bounce-buffer slot. Before "
    "edk2-stable202511 the 1 MiB and 2 MiB bitmap masks were wrong (0x40000/0x180000), so a "
    "busy big slot always looked free: concurrent large transfers overwrite each other's "
    "data, which corrupts disk reads or leaks one transfer's plaintext into another.",
    "Update the firmware to edk2-stable202511 or later (commit e27cfda33b), or backport the "
    "mask fix in OvmfPkg/IoMmuDxe/IoMmuBuffer.c.",
)

RULES = (POOL_EXHAUSTED, POOL_SLOT_SHARED)
