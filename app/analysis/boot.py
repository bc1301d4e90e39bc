"""What kind of boot this was: platform, phases, ExitBootServices, failure or truncation.

The platform is decided by the strongest evidence seen (TDX lines, SNP page-state lines, SEV-ES
GHCB lines, ``SEV is enabled``); a log with no such evidence that reached DXE is a plain VM, one
that stopped earlier is ``unknown``. DxeCore prints nothing at ExitBootServices, so its start is
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

from app.analysis.model import (
    BootFailure,
    BootOption,
    CpuCount,
    DriverMessage,
    Event,
    IoMmuExitBoot,
    IoMmuUnmap,
    MemoryAccepted,
    ModuleLoaded,
    PageStateChange,
    Phase,
    PhaseMarker,
    Platform,
    PlatformHint,
    PoolInit,
    ProtocolInstalled,
    ResourceHob,
    SetMemorySharedOrPrivate,
    SevEnabled,
    SevEsGhcb,
    TdxSharedBitMask,
    TdxStarted,
)
from app.analysis.rules.base import FindingCollector

UNACCEPTED_RESOURCE = 7
MAX_RANGES = 256
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
    """Consumes every event (cheaply: most kinds are ignored) and summarises the boot."""

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
        self.facts: dict[str, Any] = {}
        self.accepted: list[dict[str, int]] = []
        self.unaccepted: list[dict[str, int]] = []
        self.phases: list[_PhaseSpan] = []
        self.boot_options: list[dict[str, Any]] = []
        self.failure: BootFailure | None = None
        self.exit_boot_line: int | None = None
        self.last_time: float | None = None
        self._dispatch: dict[type, Callable[[Any], None]] = {
            SevEnabled: self._sev,
            SevEsGhcb: self._ghcb,
            PlatformHint: self._hint,
            CpuCount: self._cpus,
            TdxStarted: self._tdx,
            TdxSharedBitMask: self._tdx_mask,
            MemoryAccepted: self._accepted,
            ResourceHob: self._resource,
            PhaseMarker: self._marker,
            ModuleLoaded: self._module,
            BootOption: self._boot_option,
            BootFailure: self._failure,
            IoMmuExitBoot: self._exit_boot,
            IoMmuUnmap: self._unmap,
            DriverMessage: self._driver,
            PageStateChange: self._page_state,
            SetMemorySharedOrPrivate: self._tdx_conversion,
            PoolInit: self._pool,
            ProtocolInstalled: self._protocol,
        }

    def feed(self, event: Event) -> None:
        handler = self._dispatch.get(type(event))
        if handler is not None:
            handler(event)
        if event.time is not None:
            self.last_time = event.time

    # --- platform -------------------------------------------------------------------------

    def _claim(self, platform: Platform, line: int) -> None:
        if _STRENGTH[platform] > _STRENGTH[self.platform]:
            self.platform = platform
            self.platform_line = line
            if self._observer is not None:
                self._observer.platform_decided(platform)

    def _sev(self, event: SevEnabled) -> None:
        self.facts["encryption_mask"] = event.mask
        self._claim(Platform.SEV, event.line)

    def _ghcb(self, event: SevEsGhcb) -> None:
        key = "ghcb_backup" if event.backup else "ghcb"
        self.facts[key] = {"base": event.base, "pages": event.pages, "line": event.line}
        self._claim(Platform.SEV_ES, event.line)

    def _hint(self, event: PlatformHint) -> None:
        name = event.name
        if name in ("sev-es-flash", "sev-es-ap-memory"):
            self._claim(Platform.SEV_ES, event.line)
        elif name == "snp-known-apic-ids":
            self._claim(Platform.SEV_SNP, event.line)
        elif name == "accepting-all-memory":
            self._claim(Platform.SEV_SNP, event.line)
            self._enter_exit_boot(event, strong=False)
        elif name == "tdx-cc-attr" and event.value in CC_ATTR:
            self._claim(CC_ATTR[event.value], event.line)
        if name == "fw-cfg-dma":
            self.facts["fw_cfg_dma"] = bool(event.value)
        elif name == "iommu-pool-supported":
            self.facts["reserved_pool"] = True
        elif name in ("nvvarstore-shared", "sev-es-ap-memory", "sev-es-flash", "tdx-cc-attr"):
            self.facts[name.replace("-", "_")] = event.value if event.value is not None else True

    def _cpus(self, event: CpuCount) -> None:
        self.facts["cpus"] = {"boot": event.boot_cpus, "max": event.max_cpus}

    def _tdx(self, event: TdxStarted) -> None:
        self.facts["gpaw"] = event.gpaw
        self.facts.setdefault("cpus", {"boot": event.cpus, "max": event.cpus})
        if event.hob is not None:
            self.facts["td_hob"] = event.hob
        self._claim(Platform.TDX, event.line)
        self._enter(Phase.SEC, event)

    def _tdx_mask(self, event: TdxSharedBitMask) -> None:
        self.facts["encryption_mask"] = event.mask
        self._claim(Platform.TDX, event.line)

    def _tdx_conversion(self, event: SetMemorySharedOrPrivate) -> None:
        self._claim(Platform.TDX, event.line)

    def _page_state(self, event: PageStateChange) -> None:
        self._claim(Platform.SEV_SNP, event.line)

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

    def _enter(self, phase: Phase, event: Event) -> None:
        current = self.phases[-1].phase if self.phases else None
        if current == phase:
            return
        order = list(Phase)
        if current is not None and order.index(phase) < order.index(current):
            return  # a late marker of an earlier phase (e.g. a PEIM name in DXE) changes nothing
        self.phases.append(_PhaseSpan(phase, event.line, event.time))

    def _marker(self, event: PhaseMarker) -> None:
        self._enter(event.phase, event)

    def _module(self, event: ModuleLoaded) -> None:
        self._enter(Phase.PEI if event.kind == "peim" else Phase.DXE, event)

    def _boot_option(self, event: BootOption) -> None:
        self._enter(Phase.BDS, event)
        if len(self.boot_options) < MAX_RANGES:
            self.boot_options.append({"line": event.line, "description": event.description})

    def _failure(self, event: BootFailure) -> None:
        if self.failure is None:
            self.failure = event

    def _enter_exit_boot(self, event: Event, *, strong: bool) -> None:
        if self.exit_boot_line is None:
            self.exit_boot_line = event.line
            self._enter(Phase.EXIT_BOOT_SERVICES, event)
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

    # --- summary --------------------------------------------------------------------------

    def finish(self, *, last_line: int) -> None:
        """Close the phases, settle the platform and report BOOT findings."""
        for current, following in zip(self.phases, self.phases[1:], strict=False):
            current.last_line = following.first_line - 1
            current.end_time = following.start_time
        if self.phases:
            self.phases[-1].last_line = last_line
            self.phases[-1].end_time = self.last_time
        reached_dxe = any(
            span.phase is not Phase.SEC and span.phase is not Phase.PEI for span in self.phases
        )
        if self.platform is Platform.UNKNOWN and reached_dxe:
            self.platform = Platform.NONE
        self._report(last_line)

    @property
    def reached(self) -> Phase | None:
        return self.phases[-1].phase if self.phases else None

    @property
    def outcome(self) -> str:
        """``failed``, ``truncated``, ``booted`` (a boot option ran) or ``handed-off`` (EBS)."""
        if self.failure is not None:
            return "failed"
        if self.exit_boot_line is not None:
            return "handed-off"
        if self.boot_options:
            return "booted"
        return "truncated"

    def _report(self, last_line: int) -> None:
        if self.failure is not None:
            self._collector.report(
                "BOOT-001",
                [self.failure.line],
                key=self.failure.kind,
                details={
                    "kind": self.failure.kind,
                    "text": self.failure.text,
                    "phase": self.reached.value if self.reached else None,
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
