"""Intel TDX lines (reference sections 3.1 to 3.3).

Sources: ``OvmfPkg/Library/BaseMemEncryptTdxLib/MemoryEncryption.c`` (SetMemorySharedOrPrivate,
SetOrClearSharedBit), ``MdePkg/Library/TdxLib/AcceptPages.c`` (TdAcceptPages),
``OvmfPkg/IntelTdx/TdxHelperLib/SecTdxHelper.c`` (``Intel Tdx Started with``, MpAccept and the
resource HOB dumps, edk2-stable202302 and later; ``TdAccept:`` before), ``PeilessStartupLib``
(``Tdx started with(...)``, GPAW in hex) and ``TdxDxe`` (``TdxSharedBitMask``, ``CCAttr``).

Resource HOB dumps span three or four lines (``ResourceType``, ``ResourceAttribute``,
``PhysicalStart``, ``ResourceLength``); the pattern takes them together. Some published logs
come from builds that print ``GetResourceDescriptor:%d: resource type 0x%x %x %x`` instead.
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Groups, LinePattern, chatter, hex_int, text
from app.analysis.model import (
    CpuCount,
    MemoryAccepted,
    PlatformHint,
    ResourceHob,
    SetMemorySharedOrPrivate,
    SharedBitChange,
    TdAcceptMessage,
    TdxSharedBitMask,
    TdxStarted,
)


def _tdx_started(g: Groups, line: int, time: float | None) -> TdxStarted:
    return TdxStarted(line, time, int(g[0]), int(g[1]))


def _tdx_started_peiless(g: Groups, line: int, time: float | None) -> TdxStarted:
    return TdxStarted(line, time, int(g[1], 16), int(g[2]), int(g[0], 16))


def _accepted(g: Groups, line: int, time: float | None) -> MemoryAccepted:
    return MemoryAccepted(line, time, int(g[0], 16), int(g[1], 16))


def _resource_dump(g: Groups, line: int, time: float | None) -> ResourceHob:
    resource_type = -1 if g[0] is None else int(g[0], 16)
    return ResourceHob(line, time, resource_type, int(g[1], 16), int(g[2], 16))


def _resource_descriptor(g: Groups, line: int, time: float | None) -> ResourceHob:
    return ResourceHob(line, time, int(g[0], 16), int(g[1], 16), int(g[2], 16))


def _shared_or_private(g: Groups, line: int, time: float | None) -> SetMemorySharedOrPrivate:
    return SetMemorySharedOrPrivate(
        line, time, text(g[0]), int(g[1], 16), int(g[2], 16), g[3] == b"Shared"
    )


def _shared_bit(g: Groups, line: int, time: float | None) -> SharedBitChange:
    return SharedBitChange(line, time, text(g[0]), int(g[1], 16), int(g[2], 16) == 0)


def _already(g: Groups, line: int, time: float | None) -> TdAcceptMessage:
    return TdAcceptMessage(line, time, "already", int(g[0], 16))


def _fallback(g: Groups, line: int, time: float | None) -> TdAcceptMessage:
    return TdAcceptMessage(line, time, "fallback", int(g[0], 16))


def _accept_error(g: Groups, line: int, time: float | None) -> TdAcceptMessage:
    return TdAcceptMessage(line, time, "error", hex_int(g[0] or g[1]))


def _cpus(g: Groups, line: int, time: float | None) -> CpuCount:
    return CpuCount(line, time, int(g[1], 16), int(g[0], 16))


PATTERNS = (
    LinePattern(
        "tdx-started",
        rb"Intel Tdx Started with \(GPAW: (\d+), Cpus: (\d+)\)",
        _tdx_started,
    ),
    LinePattern(
        "tdx-started-peiless",
        rb"Tdx started with\(Hob: 0x" + HEX + rb", Gpaw: 0x" + HEX + rb", Cpus: (\d+)\)",
        _tdx_started_peiless,
    ),
    LinePattern(
        "tdx-shared-bit-mask",
        rb"TdxSharedBitMask=0x" + HEX,
        lambda g, line, time: TdxSharedBitMask(line, time, int(g[0], 16)),
    ),
    LinePattern(
        "tdx-cc-attr",
        rb"HostBridgeDevId=0x" + HEX + rb", CCAttr=0x" + HEX + rb", SetNxForStack=\w+",
        lambda g, line, time: PlatformHint(line, time, "tdx-cc-attr", int(g[1], 16)),
    ),
    LinePattern(
        "tdx-cpu-count",
        rb"MaxCpuCount=0x" + HEX + rb", BootCpuCount=0x" + HEX,
        _cpus,
    ),
    LinePattern(
        "tdx-mp-accept",
        rb"MpAccept : 0x" + HEX + rb" - 0x" + HEX + rb" \(0x" + HEX + rb"\)",
        _accepted,
    ),
    LinePattern("tdx-accept-legacy", rb"TdAccept: 0x" + HEX + rb" - 0x" + HEX, _accepted),
    LinePattern(
        "resource-hob-dump",
        rb"(?:ResourceType: 0x"
        + HEX
        + rb"\n(?:\[[^\]\n]*\]\s*)?)?ResourceAttribute: 0x[0-9A-Fa-f]+\n"
        rb"(?:\[[^\]\n]*\]\s*)?PhysicalStart: 0x" + HEX + rb"\n"
        rb"(?:\[[^\]\n]*\]\s*)?ResourceLength: 0x" + HEX,
        _resource_dump,
    ),
    LinePattern(
        "resource-descriptor",
        rb"GetResourceDescriptor:\d+: resource type 0x" + HEX + rb" " + HEX + rb" " + HEX + rb".*",
        _resource_descriptor,
    ),
    LinePattern(
        "tdx-set-memory-shared-or-private",
        rb"(\w+):SetMemorySharedOrPrivate: Cr3Base=0x[0-9A-Fa-f]+ Physical=0x"
        + HEX
        + rb" Length=0x"
        + HEX
        + rb" Mode=(Shared|Private)",
        _shared_or_private,
    ),
    LinePattern(
        "tdx-shared-bit",
        rb"(\w+):SetOrClearSharedBit: pte=0x"
        + HEX
        + rb" AddressEncMask=0x[0-9A-Fa-f]+ Mode=0x"
        + HEX
        + rb" MapGPA Status=0x[0-9A-Fa-f]+",
        _shared_bit,
    ),
    LinePattern(
        "tdx-accept-already",
        rb"Page at Address \(0x" + HEX + rb"\) has already been accepted\. - \d+",
        _already,
    ),
    LinePattern(
        "tdx-accept-fallback",
        rb"Address " + HEX + rb" cannot be accepted in PageLevel of \d+",
        _fallback,
    ),
    LinePattern(
        "tdx-accept-error",
        rb"(?:Accept page address\(0x"
        + HEX
        + rb"\) is not valid.*|Address "
        + HEX
        + rb" \(\d+\) failed to be accepted.*)",
        _accept_error,
    ),
    chatter(
        "tdx-chatter",
        rb"(?:AcceptMemoryForAPsStack with APsStackSize=0x[0-9A-Fa-f]+|AcceptMemory under address "
        rb"of 4G|Owner: [0-9A-Fa-f-]+|\w+: TdVmcall\(MAPGPA\) Retry .*|Ovmf started|"
        rb"InitializePlatform in Pei-less boot|HobList: \w+|SecFv : .*|DxeFv : .*|"
        rb"TDVF Eventlog ACPI Table is installed\.|\w+: Skip TD-Guest)",
    ),
)
