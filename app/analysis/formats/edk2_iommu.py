"""OvmfPkg/IoMmuDxe lines (reference section 1.3).

Sources: ``OvmfPkg/IoMmuDxe/CcIoMmu.c`` and ``IoMmuBuffer.c`` (edk2-stable202302 and later),
``AmdSevIoMmu.c`` (2017-09 to edk2-stable202211). All lines are DEBUG_VERBOSE except
``InstallIoMmuProtocol: Feature of reserved memory for DMA is supported.`` (DEBUG_INFO).

* The Map result line gained ``, ReservedMemBitmap=0x%Lx`` in edk2-stable202302; the classic
  line without it gives ``reserved_bitmap=None``.
* ``IoMmuSetAttribute`` logs only since edk2-stable202402.
* Pool bitmaps print without ``0x`` (``bitmap: 0 => 10``).
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Groups, LinePattern, chatter, text
from app.analysis.model import (
    IoMmuAllocateRequest,
    IoMmuAllocateResult,
    IoMmuExitBoot,
    IoMmuFree,
    IoMmuMapRequest,
    IoMmuMapResult,
    IoMmuSetAttribute,
    IoMmuUnmap,
    PlatformHint,
    PoolInit,
    PoolSlotFreed,
    PoolSlotTaken,
)


def _map_request(g: Groups, line: int, time: float | None) -> IoMmuMapRequest:
    return IoMmuMapRequest(line, time, text(g[0]), int(g[1], 16), int(g[2], 16))


def _map_result(g: Groups, line: int, time: float | None) -> IoMmuMapResult:
    bitmap = None if g[4] is None else int(g[4], 16)
    return IoMmuMapResult(
        line, time, int(g[0], 16), int(g[1], 16), int(g[2], 16), int(g[3], 16), bitmap
    )


def _unmap(g: Groups, line: int, time: float | None) -> IoMmuUnmap:
    return IoMmuUnmap(line, time, int(g[0], 16), g[1] != b"0")


def _allocate_request(g: Groups, line: int, time: float | None) -> IoMmuAllocateRequest:
    return IoMmuAllocateRequest(line, time, int(g[0]), int(g[1], 16), int(g[2], 16))


def _allocate_result(g: Groups, line: int, time: float | None) -> IoMmuAllocateResult:
    return IoMmuAllocateResult(line, time, int(g[0], 16), int(g[1], 16))


def _free(g: Groups, line: int, time: float | None) -> IoMmuFree:
    return IoMmuFree(line, time, int(g[0], 16), int(g[1], 16))


def _set_attribute(g: Groups, line: int, time: float | None) -> IoMmuSetAttribute:
    return IoMmuSetAttribute(line, time, int(g[0], 16), int(g[1]))


def _exit_boot(g: Groups, line: int, time: float | None) -> IoMmuExitBoot:
    return IoMmuExitBoot(line, time, "exit-boot")


def _unmap_all(g: Groups, line: int, time: float | None) -> IoMmuExitBoot:
    return IoMmuExitBoot(line, time, "unmap-all")


def _pool_supported(g: Groups, line: int, time: float | None) -> PlatformHint:
    return PlatformHint(line, time, "iommu-pool-supported")


def _pool_init(g: Groups, line: int, time: float | None) -> PoolInit:
    return PoolInit(line, time, int(g[0]), int(g[1], 16))


def _slot_taken(g: Groups, line: int, time: float | None) -> PoolSlotTaken:
    return PoolSlotTaken(
        line,
        time,
        int(g[0], 16),
        int(g[1], 16),
        int(g[2], 16),
        int(g[3], 16),
        int(g[4], 16),
        int(g[5], 16),
    )


def _bounce_freed(g: Groups, line: int, time: float | None) -> PoolSlotFreed:
    return PoolSlotFreed(
        line, time, int(g[0], 16), int(g[1], 16), int(g[2], 16), int(g[3], 16), False
    )


def _common_freed(g: Groups, line: int, time: float | None) -> PoolSlotFreed:
    return PoolSlotFreed(
        line, time, int(g[0], 16), int(g[1], 16), int(g[2], 16), int(g[3], 16), True
    )


PATTERNS = (
    LinePattern(
        "iommu-map-request",
        rb"IoMmuMap: Operation=(\w+) Host=0x" + HEX + rb" Bytes=0x" + HEX,
        _map_request,
    ),
    LinePattern(
        "iommu-map-result",
        rb"IoMmuMap: Mapping=0x"
        + HEX
        + rb" Device\(PlainText\)=0x"
        + HEX
        + rb" Crypted=0x"
        + HEX
        + rb" Pages=0x"
        + HEX
        + rb"(?:, ReservedMemBitmap=0x([0-9A-Fa-f]+))?",
        _map_result,
    ),
    LinePattern(
        "iommu-unmap",
        rb"IoMmuUnmapWorker: Mapping=0x" + HEX + rb" MemoryMapLocked=(\d+)",
        _unmap,
    ),
    LinePattern(
        "iommu-set-attribute",
        rb"IoMmuSetAttribute: Mapping=0x" + HEX + rb" Access=(\d+)",
        _set_attribute,
    ),
    LinePattern(
        "iommu-allocate-request",
        rb"IoMmuAllocateBuffer: MemoryType=(\d+) Pages=0x" + HEX + rb" Attributes=0x" + HEX,
        _allocate_request,
    ),
    LinePattern(
        "iommu-allocate-result",
        rb"IoMmuAllocateBuffer: Host=0x" + HEX + rb" Stash=0x" + HEX,
        _allocate_result,
    ),
    LinePattern("iommu-free", rb"IoMmuFreeBuffer: Host=0x" + HEX + rb" Pages=0x" + HEX, _free),
    LinePattern(
        "iommu-slot-taken",
        rb"InternalAllocateBuffer: range-size: "
        + HEX
        + rb", start-address=0x"
        + HEX
        + rb", pages=0x"
        + HEX
        + rb", bits=0x"
        + HEX
        + rb", bitmap: "
        + HEX
        + rb" => "
        + HEX,
        _slot_taken,
    ),
    LinePattern(
        "iommu-bounce-freed",
        rb"IoMmuFreeBounceBuffer: PlainTextAddress=0x"
        + HEX
        + rb", bits=0x"
        + HEX
        + rb", bitmap: "
        + HEX
        + rb" => "
        + HEX,
        _bounce_freed,
    ),
    LinePattern(
        "iommu-common-freed",
        rb"IoMmuFreeCommonBuffer: CommonBuffer=0x"
        + HEX
        + rb", bits=0x"
        + HEX
        + rb", bitmap: "
        + HEX
        + rb" => "
        + HEX,
        _common_freed,
    ),
    LinePattern("iommu-exit-boot", rb"IoMmuExitBoot", _exit_boot),
    LinePattern("iommu-unmap-all", rb"IoMmuUnmapAllMappings", _unmap_all),
    LinePattern(
        "iommu-pool-supported",
        rb"InstallIoMmuProtocol: Feature of reserved memory for DMA is supported\.",
        _pool_supported,
    ),
    LinePattern(
        "iommu-pool-init",
        rb"IoMmuInitReservedSharedMem: ReservedMem \((\d+) pages\) address = 0x" + HEX,
        _pool_init,
    ),
    chatter("iommu-other", rb"(?:IoMmu\w*|InstallIoMmuProtocol|InternalAllocateBuffer): .*"),
)
