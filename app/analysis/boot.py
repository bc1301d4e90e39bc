"""What kind of boot this was: platform, phases, ExitBootServices, failure, reset or truncation.

One tracker describes one boot cycle (``report`` starts a new one where ``feed`` says a new boot
begins: a second ``SecCoreStartupWithStack``, SEC after a reset or after PEI). The platform is
decided by the strongest evidence seen (TDX lines, SNP page-state lines, SEV-ES GHCB lines, #VC
handler errors, ``SEV is enabled``, ``QemuFwCfgProbe ... DMA 0`` on an AMD CPU, the kernel's
``Memory Encryption Features active``, ``SEV: Status`` and ``tdx: Guest detected``); every claim
is listed with its line in ``platform.evidence``. ``none`` is a claim too: it needs a whole PEI
(from its start to DXE) without any such line, or ``QemuFwCfgProbe: ... DMA 1`` (PEI clears the
DMA bit in every SEV and TDX guest); without evidence either way the platform is ``unknown``.

The outcome is that of the last attempt: a crash (CPU exception, #VC/#VE handler error, ASSERT,
the VMM's fatal error, a kernel panic) is ``failed``; ``[Bds] Unable to boot!`` followed by a
boot option that goes ahead is not (BOOT-004 notes the failed attempt); a reset request is
``reset``, or ``shutdown`` when its type is ``Shutdown``; a boot option that started is
``booted``, ExitBootServices ``handed-off``.

DxeCore prints nothing at ExitBootServices, so its start is
inferred from the first of the lines the reference lists: ``Accepting all memory`` (SNP, just
before), a virtio ``*ExitBoot: Context=`` line, ``IoMmuExitBoot``, ``IoMmuUnmapAllMappings`` or
an unmap with ``MemoryMapLocked=1``.

The tracker is the one owner of both facts: the simulator does not infer them again, it is
told through ``BootObserver`` (the platform to seed firmware ranges for, each ExitBootServices
sign to start the hand-off watch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.analysis.failure import (
    CC_FAILURE_KIND,
    FailureRecord,
    ModuleIndex,
    image_module,
)
from app.analysis.model import (
    BootFailure,
    BootOption,
    BootOptionAction,
    CcHandlerError,
    CpuCount,
    CpuException,
    CpuVendor,
    DriverMessage,
    Event,
    ExceptionImage,
    ExceptionRegisters,
    ExitBootServicesCallback,
    IoMmuExitBoot,
    IoMmuUnmap,
    KernelFault,
    KernelMessage,
    MemoryAccepted,
    ModuleLoaded,
    PageStateChange,
    Phase,
    PhaseMarker,
    Platform,
    PlatformHint,
    PoolInit,
    ProtocolInstalled,
    ResetRequest,
    ResourceHob,
    SetMemorySharedOrPrivate,
    SevEnabled,
    SevEsGhcb,
    SwiotlbMapped,
    TdxSharedBitMask,
    TdxStarted,
    VmmError,
    VmmRegisterDump,
)
from app.analysis.rules.base import FindingCollector

UNACCEPTED_RESOURCE = 7
MAX_RANGES = 256
MAX_EVIDENCE = 32
MAX_LOADS = 4096  # module loads kept per cycle (OVMF loads about 200; the rest are counted)
SEC_ENTRY = "SecCoreStartupWithStack"
AMD_VENDOR = "AuthenticAMD"
# Kernel feature names (``Memory Encryption Features active``, ``SEV: Status``), strongest first.
KERNEL_FEATURES = (
    ("SEV-SNP", Platform.SEV_SNP),
    ("TDX", Platform.TDX),
    ("SEV-ES", Platform.SEV_ES),
    ("SEV", Platform.SEV),
)
# Failures an edk2 exception dump (RIP, image) may follow: the #VC/#VE handler injects one.
CRASH_KINDS = ("exception", "vc-error", "ve-error")
KERNEL_FAULT_RULES = {"panic": "KERNEL-001", "bug": "KERNEL-002", "oops": "KERNEL-002"}
IOMMU_PROTOCOL = "4E939DE9-D948-4B0F-88ED-E6E1CE517C1E"
# CCAttr values (MdePkg/Include/ConfidentialComputingGuestAttr.h).
CC_ATTR = {
    0x100: Platform.SEV,
    0x101: Platform.SEV_ES,
    0x102: Platform.SEV_SNP,
    0x200: Platform.TDX,
}
_STRENGTH = {
    Platform.UNKNOWN: 0,
    Platform.NONE: 0,
    Platform.SEV: 1,
    Platform.SEV_ES: 2,
    Platform.SEV_SNP: 3,
    Platform.TDX: 3,
}


class BootObserver(Protocol):
    """Who is told as the tracker decides (the simulator)."""

    def platform_decided(self, platform: Platform) -> None:
        """The platform evidence got stronger: ``platform`` is the best guess so far."""

    def exit_boot_services(self, line: int, *, strong: bool) -> None:
        """A sign of ExitBootServices at ``line``: ``strong`` when IoMmuDxe printed it itself
        (``IoMmuExitBoot``, an unmap with ``MemoryMapLocked=1``), weak otherwise."""


def is_exit_boot_message(event: DriverMessage) -> bool:
    """A driver's ExitBootServices callback line (``VirtioBlkExitBoot: Context=...``)."""
    return event.function.endswith("ExitBoot")


@dataclass(slots=True)
class _PhaseSpan:
    phase: Phase
    first_line: int
    start_time: float | None
    last_line: int = 0
    end_time: float | None = None


class BootTracker:
    """Consumes every event of one boot cycle (cheaply: most kinds are ignored) and summarises
    it. ``feed`` returns True, without consuming the event, when the event starts a new boot."""

    def __init__(
        self,
        collector: FindingCollector,
        *,
        observer: BootObserver | None = None,
    ) -> None:
        """``observer`` hears each platform decision and ExitBootServices sign as it is made."""
        self._collector = collector
        self._observer = observer
        self.platform = Platform.UNKNOWN
        self.platform_line: int | None = None
        self.evidence: list[dict[str, Any]] = []
        self._evidence_seen: set[str] = set()
        self.facts: dict[str, Any] = {}
        self.accepted: list[dict[str, int]] = []
        self.unaccepted: list[dict[str, int]] = []
        self.phases: list[_PhaseSpan] = []
        self.boot_options: list[dict[str, Any]] = []
        self.failure: FailureRecord | None = None
        self._unable: FailureRecord | None = None  # `Unable to boot!` not yet superseded
        self.reset: ResetRequest | None = None
        self.reset_type = ""
        self.exit_boot_line: int | None = None
        self.kernel: dict[str, Any] | None = None
        self.last_time: float | None = None
        self.modules = ModuleIndex()
        self.loads: list[dict[str, Any]] = []  # each `Loading PEIM/driver at`, in order
        self.loads_dropped = 0
        self._sec_entries = 0
        self._tdx_forms: set[bool] = set()
        self._pei_start: int | None = None
        self._fw_cfg_dma0: int | None = None
        self._fw_cfg_dma1: int | None = None
        self._vendor: CpuVendor | None = None
        self._snp_claimed = False
        self._tdx_claimed = False
        self._dispatch: dict[type, Callable[[Any], bool | None]] = {
            SevEnabled: self._sev,
            SevEsGhcb: self._ghcb,
            PlatformHint: self._hint,
            CpuVendor: self._cpu_vendor,
            CpuCount: self._cpus,
            TdxStarted: self._tdx,
            TdxSharedBitMask: self._tdx_mask,
            MemoryAccepted: self._accepted,
            ResourceHob: self._resource,
            PhaseMarker: self._marker,
            ModuleLoaded: self._module,
            BootOption: self._boot_option,
            BootOptionAction: self._boot_action,
            BootFailure: self._failure,
            CpuException: self._exception,
            ExceptionRegisters: self._registers,
            ExceptionImage: self._image,
            CcHandlerError: self._cc_error,
            VmmError: self._vmm_error,
            VmmRegisterDump: self._vmm_registers,
            ResetRequest: self._reset,
            IoMmuExitBoot: self._exit_boot,
            IoMmuUnmap: self._unmap,
            DriverMessage: self._driver,
            ExitBootServicesCallback: self._ebs_callback,
            KernelMessage: self._kernel_message,
            SwiotlbMapped: self._swiotlb,
            KernelFault: self._kernel_fault,
            PageStateChange: self._page_state,
            SetMemorySharedOrPrivate: self._tdx_conversion,
            PoolInit: self._pool,
            ProtocolInstalled: self._protocol,
        }

    def feed(self, event: Event) -> bool:
        """Take one event; True (event not taken) when it is the first line of a new boot."""
        handler = self._dispatch.get(type(event))
        if handler is not None and handler(event):
            return True
        if event.time is not None:
            self.last_time = event.time
        return False

    # --- boot cycles -----------------------------------------------------------------------

    def _starts_new_boot(self) -> bool:
        """A SEC entry line after this cycle went past SEC, asked for a reset, or had its own
        SEC entry already: the reset vector ran again."""
        if self.reset is not None or self._sec_entries:
            return True
        current = self.phases[-1].phase if self.phases else None
        return current is not None and current is not Phase.SEC

    # --- platform -------------------------------------------------------------------------

    def _claim(self, platform: Platform, line: int, what: str) -> None:
        self._add_evidence(what, line, platform.value)
        if _STRENGTH[platform] > _STRENGTH[self.platform]:
            self.platform = platform
            self.platform_line = line
            if self._observer is not None:
                self._observer.platform_decided(platform)

    def _sev(self, event: SevEnabled) -> None:
        self.facts["encryption_mask"] = event.mask
        self._claim(Platform.SEV, event.line, "SEV is enabled")

    def _ghcb(self, event: SevEsGhcb) -> None:
        key = "ghcb_backup" if event.backup else "ghcb"
        self.facts[key] = {"base": event.base, "pages": event.pages, "line": event.line}
        self._claim(Platform.SEV_ES, event.line, "SEV-ES GHCB pages")

    def _hint(self, event: PlatformHint) -> None:
        name = event.name
        if name in ("sev-es-flash", "sev-es-ap-memory"):
            self._claim(Platform.SEV_ES, event.line, name)
        elif name == "snp-known-apic-ids":
            self._claim(Platform.SEV_SNP, event.line, name)
        elif name == "accepting-all-memory":
            self._claim(Platform.SEV_SNP, event.line, name)
            self._enter_exit_boot(event, strong=False)
        elif name == "tdx-cc-attr" and event.value in CC_ATTR:
            self._claim(CC_ATTR[event.value], event.line, name)
        elif name == "fw-cfg-probe":
            self._fw_cfg_probe(event)
        if name == "fw-cfg-dma":
            self.facts["fw_cfg_dma"] = bool(event.value)
        elif name == "iommu-pool-supported":
            self.facts["reserved_pool"] = True
        elif name in ("nvvarstore-shared", "sev-es-ap-memory", "sev-es-flash", "tdx-cc-attr"):
            # Two statements, not a conditional expression: compiled, ``x if c else True`` is
            # typed int and would store the flag as 1 where the pure engine stores true.
            key = name.replace("-", "_")
            if event.value is None:
                self.facts[key] = True
            else:
                self.facts[key] = event.value

    def _fw_cfg_probe(self, event: PlatformHint) -> None:
        """QemuFwCfgPei reports DMA 0 in every SEV and TDX guest: with an AMD CPU, SEV."""
        self.facts.setdefault("fw_cfg_dma", bool(event.value))
        if event.value:
            self._fw_cfg_dma1 = self._fw_cfg_dma1 or event.line
            self._add_evidence("QemuFwCfgProbe DMA 1 (no SEV/TDX in PEI)", event.line, "none")
        elif self._fw_cfg_dma0 is None:
            self._fw_cfg_dma0 = event.line
            self._dma_on_amd()

    def _cpu_vendor(self, event: CpuVendor) -> None:
        if self._vendor is None:
            self._vendor = event
            self._dma_on_amd()

    def _dma_on_amd(self) -> None:
        vendor, dma0 = self._vendor, self._fw_cfg_dma0
        if vendor is None or dma0 is None or vendor.vendor != AMD_VENDOR:
            return
        self._claim(Platform.SEV, dma0, "QemuFwCfgProbe DMA 0")
        self._claim(Platform.SEV, vendor.line, "CPUID vendor AuthenticAMD")

    def _add_evidence(self, what: str, line: int, platform: str) -> None:
        """List ``what`` once (the first line that showed it), bounded."""
        if what not in self._evidence_seen and len(self.evidence) < MAX_EVIDENCE:
            self._evidence_seen.add(what)
            self.evidence.append({"what": what, "line": line, "platform": platform})

    def _build_path(self, text: str, line: int) -> None:
        """``Build/AmdSev/`` in a path the firmware printed: the AmdSevX64 build, SEV only."""
        if "Build/AmdSev" in text:
            self._claim(Platform.SEV, line, "Build/AmdSev path")

    def _cpus(self, event: CpuCount) -> None:
        self.facts["cpus"] = {"boot": event.boot_cpus, "max": event.max_cpus}

    def _tdx(self, event: TdxStarted) -> bool:
        # Each of its two forms (``Intel Tdx Started with``, the Pei-less ``Tdx started with(Hob``)
        # is printed once per boot, before DXE; TDVF may print both.
        form = event.hob is not None
        if form in self._tdx_forms or self.reset is not None or self._beyond(Phase.PEI):
            return True
        self._tdx_forms.add(form)
        self.facts["gpaw"] = event.gpaw
        self.facts.setdefault("cpus", {"boot": event.cpus, "max": event.cpus})
        if event.hob is not None:
            self.facts["td_hob"] = event.hob
        self._claim(Platform.TDX, event.line, "Intel Tdx Started")
        self._enter(Phase.SEC, event)
        return False

    def _tdx_mask(self, event: TdxSharedBitMask) -> None:
        self.facts["encryption_mask"] = event.mask
        self._claim(Platform.TDX, event.line, "TdxSharedBitMask")

    def _tdx_conversion(self, event: SetMemorySharedOrPrivate) -> None:
        if not self._tdx_claimed:  # a hot event in verbose logs: claim once
            self._tdx_claimed = True
            self._claim(Platform.TDX, event.line, "SetMemorySharedOrPrivate")

    def _page_state(self, event: PageStateChange) -> None:
        if not self._snp_claimed:
            self._snp_claimed = True
            self._claim(Platform.SEV_SNP, event.line, "InternalSetPageState")

    def _accepted(self, event: MemoryAccepted) -> None:
        if len(self.accepted) < MAX_RANGES:
            self.accepted.append({"start": event.start, "end": event.end, "line": event.line})

    def _resource(self, event: ResourceHob) -> None:
        if event.resource_type == UNACCEPTED_RESOURCE and len(self.unaccepted) < MAX_RANGES:
            end = event.start + event.length
            self.unaccepted.append({"start": event.start, "end": end, "line": event.line})

    def _protocol(self, event: ProtocolInstalled) -> None:
        if event.guid == IOMMU_PROTOCOL:
            self.facts["iommu_protocol_line"] = event.line

    def _pool(self, event: PoolInit) -> None:
        self.facts["reserved_pool"] = True
        self.facts["reserved_pool_range"] = {"base": event.base, "pages": event.pages}

    # --- phases ---------------------------------------------------------------------------

    def _beyond(self, phase: Phase) -> bool:
        order = list(Phase)
        return bool(self.phases) and order.index(self.phases[-1].phase) > order.index(phase)

    def _enter(self, phase: Phase, event: Event) -> None:
        current = self.phases[-1].phase if self.phases else None
        if current == phase:
            return
        order = list(Phase)
        if current is not None and order.index(phase) < order.index(current):
            return  # a late marker of an earlier phase (e.g. a PEIM name in DXE) changes nothing
        self.phases.append(_PhaseSpan(phase, event.line, event.time))

    def _marker(self, event: PhaseMarker) -> bool:
        if event.phase is Phase.SEC and event.detail.startswith(SEC_ENTRY):
            if self._starts_new_boot():
                return True
            self._sec_entries += 1
        elif event.phase is Phase.PEI and self._pei_start is None and not self._beyond(Phase.PEI):
            self._pei_start = event.line
        self._enter(event.phase, event)
        return False

    def _module(self, event: ModuleLoaded) -> None:
        self.modules.add(event.base, event.name)
        if len(self.loads) < MAX_LOADS:
            self.loads.append(
                {"line": event.line, "time": event.time, "name": event.name, "kind": event.kind}
            )
        else:
            self.loads_dropped += 1
        if event.kind == "peim" and self._pei_start is None and not self._beyond(Phase.PEI):
            self._pei_start = event.line
        self._enter(Phase.PEI if event.kind == "peim" else Phase.DXE, event)

    def _boot_option(self, event: BootOption) -> None:
        self._started_option(event, event.description)

    def _boot_action(self, event: BootOptionAction) -> None:
        self._enter(Phase.BDS, event)
        if event.action == "starting":
            self._started_option(event, event.description)
        elif event.action.startswith("failed"):
            self._collector.report(
                "BOOT-004",
                [event.line],
                key=event.action,
                details={
                    "option": event.option,
                    "description": event.description,
                    "status": event.status,
                },
            )

    def _started_option(self, event: Event, description: str) -> None:
        """A boot option goes ahead: an earlier ``Unable to boot!`` was not the end."""
        self._enter(Phase.BDS, event)
        self._supersede_unable()
        if len(self.boot_options) < MAX_RANGES:
            self.boot_options.append({"line": event.line, "description": description})

    def _supersede_unable(self) -> None:
        unable = self._unable
        if unable is None:
            return
        self._unable = None
        if self.failure is unable:
            self.failure = None
        self._collector.report(
            "BOOT-004", [unable.line], key="unable-to-boot", details={"text": unable.text}
        )

    # --- failures and resets --------------------------------------------------------------

    def _fail(self, record: FailureRecord) -> None:
        if self.failure is None:
            self.failure = record

    def _failure(self, event: BootFailure) -> None:
        self._build_path(event.text, event.line)
        record = FailureRecord(event.kind, event.line, event.text)
        if event.kind == "unable-to-boot" and self.failure is None:
            self._unable = record
        self._fail(record)

    def _exception(self, event: CpuException) -> None:
        text = f"{event.arch} exception {event.vector:02X} ({event.name}), CPU {event.apic_id}"
        self._fail(FailureRecord("exception", event.line, text, vector=event.vector))

    def _crash_site(self, *kinds: str) -> FailureRecord | None:
        """The failure the register or image line of a dump belongs to (None: no such)."""
        failure = self.failure
        if failure is None or failure.kind not in kinds:
            return None
        return failure

    def _registers(self, event: ExceptionRegisters) -> None:
        failure = self._crash_site(*CRASH_KINDS)
        if failure is not None and failure.rip is None:
            failure.rip = event.ip

    def _image(self, event: ExceptionImage) -> None:
        failure = self._crash_site(*CRASH_KINDS)
        if failure is None or not event.found:
            return
        if event.image:
            failure.module = image_module(event.image)
            self._build_path(event.image, event.line)
        if failure.rip is None:
            failure.rip = event.ip

    def _cc_error(self, event: CcHandlerError) -> None:
        if event.handler == "vc":
            self._claim(Platform.SEV_ES, event.line, "#VC handler error")
        else:
            self._claim(Platform.TDX, event.line, "#VE handler error")
        if event.kind == "mmio-encrypted":
            self._collector.report(
                "SEV-001",
                [event.line],
                key="mmio-encrypted",
                details={"address": None if event.value is None else hex(event.value)},
            )
        kind = CC_FAILURE_KIND.get(event.handler, "vc-error")
        self._fail(FailureRecord(kind, event.line, event.text))

    def _vmm_error(self, event: VmmError) -> None:
        self._fail(FailureRecord("vmm-error", event.line, event.text))

    def _vmm_registers(self, event: VmmRegisterDump) -> None:
        failure = self._crash_site("vmm-error")
        if failure is not None and failure.rip is None:
            failure.rip = event.ip

    def _reset(self, event: ResetRequest) -> None:
        """The first request marks where the attempt ends; the first that names its type
        (shim's bare ``Reset System`` comes before edk2's ``DXE ResetSystem2: ResetType %s``)
        says whether the machine resets or powers off."""
        if self.reset is None:
            self.reset = event
        if not self.reset_type:
            self.reset_type = event.reset_type

    # --- ExitBootServices and the kernel --------------------------------------------------

    def _enter_exit_boot(self, event: Event, *, strong: bool) -> None:
        if self.exit_boot_line is None:
            self.exit_boot_line = event.line
            self._enter(Phase.EXIT_BOOT_SERVICES, event)
            self._supersede_unable()
        if self._observer is not None:
            self._observer.exit_boot_services(event.line, strong=strong)

    def _exit_boot(self, event: IoMmuExitBoot) -> None:
        self._enter_exit_boot(event, strong=True)

    def _unmap(self, event: IoMmuUnmap) -> None:
        if event.memory_map_locked:
            self._enter_exit_boot(event, strong=True)

    def _driver(self, event: DriverMessage) -> None:
        if is_exit_boot_message(event):
            self._enter_exit_boot(event, strong=False)

    def _ebs_callback(self, event: ExitBootServicesCallback) -> None:
        self._enter_exit_boot(event, strong=False)

    def _kernel_facts(self, event: Event) -> dict[str, Any]:
        if self.kernel is None:
            self.kernel = {
                "first_line": event.line,
                "version": None,
                "swiotlb": None,
                "unaccepted_memory_line": None,
                "features": [],
            }
        return self.kernel

    def _kernel_message(self, event: KernelMessage) -> None:
        kernel = self._kernel_facts(event)
        kind = event.kind
        if kind in ("linux-version", "efi-stub", "exiting-boot-services"):
            self._enter(Phase.KERNEL, event)
        if kind == "linux-version":
            kernel["version"] = kernel["version"] or event.text
            if self.exit_boot_line is None:  # Linux proper runs after ExitBootServices
                self._enter_exit_boot(event, strong=False)
        elif kind == "exiting-boot-services":
            self._enter_exit_boot(event, strong=False)
        elif kind in ("mem-encrypt", "sev-status"):
            self._kernel_features(event, kernel)
        elif kind == "tdx-guest":
            self._claim(Platform.TDX, event.line, "tdx: Guest detected")
        elif kind == "sev":
            self._claim(Platform.SEV, event.line, "kernel SEV: line")
        elif kind == "tdx":
            self._claim(Platform.TDX, event.line, "kernel tdx: line")
        elif kind == "unaccepted-memory" and kernel["unaccepted_memory_line"] is None:
            kernel["unaccepted_memory_line"] = event.line

    def _kernel_features(self, event: KernelMessage, kernel: dict[str, Any]) -> None:
        names = set(event.features)
        for feature in event.features:
            if feature not in kernel["features"] and len(kernel["features"]) < MAX_EVIDENCE:
                kernel["features"].append(feature)
        for feature, platform in KERNEL_FEATURES:
            if feature in names:
                what = "Memory Encryption Features" if event.kind == "mem-encrypt" else "SEV"
                self._claim(platform, event.line, f"kernel {what}: {feature}")
                return

    def _swiotlb(self, event: SwiotlbMapped) -> None:
        kernel = self._kernel_facts(event)
        if kernel["swiotlb"] is None:
            kernel["swiotlb"] = {
                "start": event.start,
                "end": event.end,
                "megabytes": event.megabytes,
                "line": event.line,
            }

    def _kernel_fault(self, event: KernelFault) -> None:
        self._kernel_facts(event)
        self._enter(Phase.KERNEL, event)
        rule = KERNEL_FAULT_RULES.get(event.kind, "KERNEL-003")
        self._collector.report(rule, [event.line], key=event.kind, details={"text": event.text})
        if event.kind == "panic":
            self._fail(FailureRecord("kernel-panic", event.line, event.text))

    # --- summary --------------------------------------------------------------------------

    def finish(self, *, last_line: int) -> None:
        """Close the phases, settle the platform and report BOOT findings."""
        for current, following in zip(self.phases, self.phases[1:], strict=False):
            current.last_line = following.first_line - 1
            current.end_time = following.start_time
        if self.phases:
            self.phases[-1].last_line = last_line
            self.phases[-1].end_time = self.last_time
        if self.failure is not None and self.failure.is_crash and self.failure.module is None:
            if self.failure.rip is not None:
                self.failure.module = self.modules.module_at(self.failure.rip)
        self._settle_none()
        self._report(last_line)

    def _settle_none(self) -> None:
        """``none`` needs positive evidence: a whole PEI without SEV/TDX, or fw_cfg DMA 1."""
        if self.platform is not Platform.UNKNOWN:
            return
        whole_pei = self._pei_start if self._beyond(Phase.PEI) else None
        if whole_pei is not None:
            self._add_evidence("whole PEI without SEV/TDX lines", whole_pei, "none")
        line = whole_pei if whole_pei is not None else self._fw_cfg_dma1
        if line is not None:
            self.platform = Platform.NONE
            self.platform_line = line

    @property
    def reached(self) -> Phase | None:
        return self.phases[-1].phase if self.phases else None

    @property
    def outcome(self) -> str:
        """``failed``, ``shutdown`` (a reset request of type ``Shutdown``: powered off),
        ``reset`` (any other reset request), ``handed-off`` (ExitBootServices or the kernel
        ran), ``booted`` (a boot option started) or ``truncated``."""
        if self.failure is not None:
            return "failed"
        if self.reset is not None:
            return "shutdown" if self.reset_type == "Shutdown" else "reset"
        if self.exit_boot_line is not None:
            return "handed-off"
        if self.boot_options:
            return "booted"
        return "truncated"

    def _report(self, last_line: int) -> None:
        failure = self.failure
        if failure is not None and failure.kind != "kernel-panic":
            self._collector.report(
                "BOOT-001",
                [failure.line],
                key=failure.kind,
                details={
                    "kind": failure.kind,
                    "text": failure.text,
                    "phase": self.reached.value if self.reached else None,
                    **failure.details(),
                },
            )
        elif self.outcome == "truncated":
            self._collector.report(
                "BOOT-002",
                [last_line] if last_line else [],
                key=self.reached.value if self.reached else "empty",
                details={"last_phase": self.reached.value if self.reached else None},
            )

    def platform_section(self) -> dict[str, Any]:
        """The result document's ``platform``: kind, masks as hex strings, what was seen."""
        section: dict[str, Any] = {"kind": self.platform.value, "evidence_line": self.platform_line}
        mask = self.facts.get("encryption_mask")
        section["encryption_mask"] = None if mask is None else hex(mask)
        for key, value in self.facts.items():
            if key != "encryption_mask":
                section[key] = value
        section.setdefault("reserved_pool", False)
        section["accepted_ranges"] = self.accepted
        section["unaccepted_ranges"] = self.unaccepted
        section["evidence"] = self.evidence
        return section

    def phases_section(self) -> list[dict[str, Any]]:
        return [
            {
                "name": span.phase.value,
                "first_line": span.first_line,
                "last_line": span.last_line,
                "start_time": span.start_time,
                "end_time": span.end_time,
            }
            for span in self.phases
        ]
