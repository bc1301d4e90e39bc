"""Core edk2 lines: boot phases, loaded modules, protocols, BDS, failures (reference 4.1, 5).

Sources: ``OvmfPkg/Sec/SecMain.c``, ``MdeModulePkg/Core/Pei`` (``Loading PEIM at``),
``MdeModulePkg/Core/DxeIplPeim``, ``MdeModulePkg/Core/Dxe`` (``Loading driver at``,
``InstallProtocolInterface``), ``MdeModulePkg/Universal/BdsDxe``, ``OvmfPkg/PlatformPei``,
``OvmfPkg/Library/QemuFwCfgLib`` and the DebugLib ASSERT text ``ASSERT %a(%Lu): %a``.

Platform hints of PEI: ``OvmfPkg/Library/QemuFwCfgLib/QemuFwCfgPei.c`` prints
``%a: Supported %d, DMA %d`` (``QemuFwCfgProbe``) and reports DMA 0 whenever
``QemuFwCfgIsCcGuest ()`` (SEV or TDX), whatever QEMU offers;
``OvmfPkg/Library/PlatformInitLib/MemDetect.c`` prints
``%a: Signature: '%a', PhysBits: %d, QemuQuirk: %a, Valid: %a`` (``PlatformAddressWidthFromCpuid``,
commit 8f9ef9c9a0, edk2-stable202211; ``GuestPhysBits: %d`` and ``la57: %a`` added by 603ad2d6ae,
edk2-stable202405), the CPUID vendor string.

ExitBootServices: ``UefiCpuPkg/Library/MpInitLib/DxeMpLib.c`` registers
``MpInitChangeApLoopCallback`` for ``EVT_SIGNAL_EXIT_BOOT_SERVICES`` (and legacy boot); it ends
with ``DEBUG ((DEBUG_INFO, "%a() done!\n", __func__))``, one of the few lines DXE prints once the
OS loader has called ExitBootServices (edk2-stable202605-568-gc5aa7e7d94).

CPU counts: ``PlatformMaxCpuCountInitialization: BootCpuCount=%d MaxCpuCount=%u``
(``OvmfPkg/Library/PlatformInitLib/Platform.c``, edk2-stable202205 and later), the older
``MaxCpuCountInitialization: BootCpuCount=%d mMaxCpuCount=%u`` (``OvmfPkg/PlatformPei/
Platform.c`` from commit 83357313dd, edk2-stable202002, to edk2-stable202202) and the oldest
``MaxCpuCountInitialization: QEMU reports %d processor(s)`` (the same file up to
edk2-stable201911, where ``mMaxCpuCount`` and ``PcdCpuMaxLogicalProcessorNumber`` are set to that
count, so it is both the boot and the maximum count).

``Loading driver at ... `` and the module name are separate DEBUG writes; when another CPU's
output splits them, the name arrives on the next line and the pattern joins the two.
"""

from __future__ import annotations

from app.analysis.formats.base import (
    HEX,
    Builder,
    Groups,
    LinePattern,
    chatter,
    dec_int,
    hex_int,
    text,
)
from app.analysis.model import (
    BootFailure,
    BootOption,
    CpuCount,
    CpuVendor,
    ExitBootServicesCallback,
    ModuleLoaded,
    Phase,
    PhaseMarker,
    PlatformHint,
    ProtocolInstalled,
)

GUID = rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
# A module name printed alone: ``Name.efi`` (``.pdb``/``.dll`` are rewritten by the loader).
_NAME = rb"(?: ?([\w.+-]+\.efi)| ?\n([\w.+-]+\.efi)|[ ]?)"


def _marker(phase: Phase) -> Builder:
    def build(g: Groups, line: int, time: float | None) -> PhaseMarker:
        return PhaseMarker(line, time, phase, text(g[0]) if g else "")

    return build


def _module(kind: str) -> Builder:
    def build(g: Groups, line: int, time: float | None) -> ModuleLoaded:
        name = text(g[2] or g[3]) if len(g) > 2 else "DxeCore.efi"
        return ModuleLoaded(line, time, name, hex_int(g[0]), hex_int(g[1]), kind)

    return build


def _assert(g: Groups, line: int, time: float | None) -> BootFailure:
    return BootFailure(line, time, "assert", text(g[0]))


def _unable(g: Groups, line: int, time: float | None) -> BootFailure:
    return BootFailure(line, time, "unable-to-boot", "[Bds] Unable to boot!")


def _protocol(g: Groups, line: int, time: float | None) -> ProtocolInstalled:
    return ProtocolInstalled(line, time, text(g[0]).upper(), hex_int(g[1]))


def _cpus(g: Groups, line: int, time: float | None) -> CpuCount:
    return CpuCount(line, time, dec_int(g[0]), dec_int(g[1]))


def _fw_cfg(g: Groups, line: int, time: float | None) -> PlatformHint:
    return PlatformHint(line, time, "fw-cfg-dma", 1 if g[0] == b"DMA" else 0)


PATTERNS = (
    LinePattern("sec-start", rb"(SecCoreStartupWithStack\(0x\w+, 0x\w+\))", _marker(Phase.SEC)),
    LinePattern(
        "pei-marker",
        rb"(Platform PEIM Loaded|TemporaryRamMigration\(.*\)|InitializePlatform in Pei-less boot"
        rb"|PeiInstallPeiMemory MemoryBegin 0x\w+, MemoryLength 0x\w+)",
        _marker(Phase.PEI),
    ),
    LinePattern(
        "dxe-marker",
        rb"(DXE IPL Entry|HOBLIST address in DXE = 0x\w+)",
        _marker(Phase.DXE),
    ),
    LinePattern("bds-entry", rb"(\[Bds\] ?Entry\.\.\.)", _marker(Phase.BDS)),
    LinePattern(
        "peim-loaded",
        rb"Loading PEIM at 0x" + HEX + rb" EntryPoint=0x" + HEX + _NAME,
        _module("peim"),
    ),
    LinePattern(
        "driver-loaded",
        rb"Loading driver at 0x" + HEX + rb" EntryPoint=0x" + HEX + _NAME,
        _module("driver"),
    ),
    LinePattern(
        "dxe-core-loaded",
        rb"Loading DXE CORE at 0x" + HEX + rb" EntryPoint=0x" + HEX,
        _module("dxe-core"),
    ),
    LinePattern(
        "protocol-installed",
        rb"InstallProtocolInterface: (" + GUID + rb") " + HEX,
        _protocol,
    ),
    LinePattern(
        "boot-option",
        rb"\[Bds\] ?Booting (.+)",
        lambda g, line, time: BootOption(line, time, text(g[0]).strip().rstrip(".")),
    ),
    LinePattern("assert", rb"(ASSERT [^\n]*\(\d+\): [^\n]*)", _assert),
    LinePattern("unable-to-boot", rb"\[Bds\] Unable to boot!", _unable),
    LinePattern(
        "cpu-count",
        rb"PlatformMaxCpuCountInitialization: BootCpuCount=(\d+) MaxCpuCount=(\d+)",
        _cpus,
    ),
    LinePattern(
        "cpu-count-202002",
        rb"MaxCpuCountInitialization: BootCpuCount=(\d+) mMaxCpuCount=(\d+)",
        _cpus,
    ),
    LinePattern(
        "cpu-count-201911",
        rb"MaxCpuCountInitialization: QEMU reports (\d+) processor\(s\)",
        lambda g, line, time: CpuCount(line, time, dec_int(g[0]), dec_int(g[0])),
    ),
    LinePattern(
        "fw-cfg-probe",
        rb"QemuFwCfgProbe: Supported (\d), DMA (\d)",
        lambda g, line, time: PlatformHint(line, time, "fw-cfg-probe", dec_int(g[1])),
    ),
    LinePattern(
        "cpu-vendor",
        rb"PlatformAddressWidthFromCpuid: Signature: '(\w+)', PhysBits: (\d+), .*",
        lambda g, line, time: CpuVendor(line, time, text(g[0]), dec_int(g[1])),
    ),
    LinePattern(
        "exit-boot-services-callback",
        rb"(MpInitChangeApLoopCallback)\(\) done!",
        lambda g, line, time: ExitBootServicesCallback(line, time, text(g[0])),
    ),
    LinePattern(
        "fw-cfg-interface", rb"QemuFwCfg interface \((DMA|IO Port)\) is supported\.", _fw_cfg
    ),
    chatter(
        "edk2-chatter",
        rb"(?:(?:Install|Reinstall) PPI: "
        + GUID
        + rb"|Register PPI Notify: "
        + GUID
        + rb"|Notify: PPI Guid: .*|Loading (?:PEIM|driver) "
        + GUID
        + rb"|Select Item: 0x\w+"
        rb"|[0-9A-F]{2}:(?: [0-9A-F]{2}){16}|CMOS:|ProtectUefiImageCommon - 0x\w+"
        rb"|  - 0x\w+ - 0x\w+|Memory Allocation 0x.*|FV2? Hob .*|\[Bds\].*|\[BdsDxe\].*"
        rb"|DiscoverPeimsAndOrderWithApriori\(\).*|The \d+th FV start address .*"
        rb"|QemuFwCfgProbe: .*|PlatformAddressWidth.*|PlatformDynamicMmioWindow.*"
        rb"|AddressWidthInitialization: .*|Loading DXE CORE .*|DXE IPL .*|Reserved variable "
        rb"store memory.*|Variable driver .*|Found .* FV .*|Temp Stack : .*"
        rb"|Temp Heap  : .*|Total temporary memory:.*|  temporary memory .*|Old Stack size.*"
        rb"|New Stack size.*|Stack Hob:.*|Heap Offset.*|Memory Type Information.*"
        rb"|PROGRESS CODE: .*|Driver \w+ was discovered.*"
        rb"|ConvertPages: .*|\w+\.c\+\d+: .*|PlatformBds\w*: .*)",
    ),
)
