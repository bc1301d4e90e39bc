"""``Simulator``: replays parser events through the page map and the IoMmuDxe model.

``feed`` is the hot path: one dict lookup on ``type(event)`` and a bound-method call; handlers
keep scalars instead of allocating where they can. ``finish`` settles what is pending and
returns a JSON-ready ``SimulationResult``. Memory stays bounded whatever the log size: live
mappings and buffers are what the firmware holds, the rest is capped (see ``timeline``).

``SimulationResult.timeline`` shape::

    {"shared_pages": {"bucket_lines": w, "points": [{line, end_line, time, min, max, last}]},
     "transitions": {total, pages, to_shared, to_private, implied, dropped, by_module,
                     "first": [{line, time, start, end, pages, to_shared, module, source,
                                device}],
                     "per_bucket": {"bucket_lines": w, "buckets": [{line, count, pages,
                                                                     to_shared}]}},
     "lifetimes": {"long_lived": [...], "sampled": [...], "long_lived_dropped": n,
                   "sampled_dropped": n, "total": n},   # items: {device, operation,
                   # start_line, end_line, start_time, end_time, pages, request_line, mapping,
                   #  pool}
    }

The platform and ExitBootServices are not inferred here: ``BootTracker`` decides them and calls
``platform_decided`` / ``exit_boot_services`` (the ``BootObserver`` protocol), so the report
feeds each event to the tracker first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.analysis import model as m
from app.analysis.boot import is_exit_boot_message
from app.analysis.model import PAGE_SIZE, LabelledRange, PageState, Platform
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator.addrspace import AddressSpace
from app.analysis.simulator.attribution import Attributor
from app.analysis.simulator.iommu import COMMON, IoMmuModel
from app.analysis.simulator.records import Mapping
from app.analysis.simulator.result import build_devices, build_summary, build_timeline
from app.analysis.simulator.timeline import Decimator
from app.analysis.simulator.transitions import TransitionTracker

MAX_GHCB_PAGES = 8192
# Events that may appear inside the ExitBootServices teardown; any other closes it (hand-off).
TEARDOWN_TYPES = frozenset(
    (
        m.IoMmuUnmap,
        m.IoMmuExitBoot,
        m.IoMmuSetAttribute,
        m.PoolSlotFreed,
        m.SetMemoryEncDec,
        m.PageStateChange,
        m.SetMemorySharedOrPrivate,
        m.SharedBitChange,
        m.PageSplit,
        m.TdAcceptMessage,
        m.MemoryAccepted,
        m.DriverMessage,
        m.PlatformHint,
    )
)


@dataclass
class SimulationResult:
    devices: list[dict[str, Any]]
    timeline: dict[str, Any]
    address_space: dict[str, Any]
    mappings: list[tuple[int, str]]
    summary: dict[str, Any]


class Simulator:
    def __init__(
        self,
        collector: FindingCollector,
        *,
        seeds: Sequence[LabelledRange] = (),
        platform_seeds: Callable[[Platform], Sequence[LabelledRange]] | None = None,
        max_points: int = 1000,
        keep_transitions: int = 500,
        max_lifetimes: int = 2000,
        max_records: int = 200_000,
    ) -> None:
        self.collector = collector
        self.tracker = TransitionTracker(
            collector, max_points=max_points, keep_transitions=keep_transitions
        )
        self.attributor = Attributor()
        self.iommu = IoMmuModel(
            collector, self.tracker, self.attributor, self._lifetime, max_records=max_records
        )
        self.space = AddressSpace(self.tracker)
        self.long_lived: list[tuple[Mapping, int | None, float | None]] = []
        self.max_long = max_lifetimes
        self.long_dropped = 0
        self.sampled: Decimator[tuple[Mapping, int | None, float | None]] = Decimator(max_lifetimes)
        self._platform_seeds = platform_seeds
        self._seeded = False
        self.ebs_line: int | None = None
        self._watch = False
        self._last_encdec: tuple[str, int, int, bool] | None = None
        self.pte_updates = 0
        self.page_splits = 0
        self.accept_messages = 0
        self.set_attributes = 0
        for seed in seeds:
            self.space.seed(seed)
        io = self.iommu
        at = self.attributor
        self._handlers: dict[type, Callable[[Any], None]] = {
            m.IoMmuMapRequest: io.map_request,
            m.IoMmuMapResult: io.map_result,
            m.IoMmuUnmap: io.unmap,
            m.IoMmuSetAttribute: self._set_attribute,
            m.IoMmuAllocateRequest: io.allocate_request,
            m.IoMmuAllocateResult: io.allocate_result,
            m.IoMmuFree: io.free,
            m.PoolSlotTaken: io.slot_taken,
            m.PoolSlotFreed: io.slot_freed,
            m.PoolInit: self._pool_init,
            m.IoMmuExitBoot: self._exit_boot,
            m.SetMemoryEncDec: self._encdec,
            m.PageStateChange: self._psc,
            m.SetMemorySharedOrPrivate: self._tdx_convert,
            m.SharedBitChange: self._shared_bit,
            m.PageSplit: self._split,
            m.TdAcceptMessage: self._accept_message,
            m.MemoryAccepted: self._accepted,
            m.ResourceHob: self._resource,
            m.SevEsGhcb: self._ghcb,
            m.PlatformHint: self._hint,
            m.PciDeviceFound: at.on_pci,
            m.ProtocolInstalled: at.on_protocol,
            m.DriverMessage: self._driver_message,
        }

    def seed(self, seeds: Sequence[LabelledRange]) -> None:
        """Apply firmware seeds once the platform is known (before the ranges are touched)."""
        for seed in seeds:
            self.space.seed(seed)

    # -- what BootTracker decides (BootObserver) ------------------------------------------------

    def platform_decided(self, platform: Platform) -> None:
        """Firmware seeds differ by platform (SNP pre-validated pages, TDX accepted sections)
        and an OvmfPkgX64 image carries both: seed once the log says which applies."""
        if self._platform_seeds is None or self._seeded:
            return
        if platform in (Platform.SEV_SNP, Platform.TDX):
            self._seeded = True
            self.seed(self._platform_seeds(platform))

    def exit_boot_services(self, line: int, *, strong: bool) -> None:
        """ExitBootServices is under way. Strong signs come from IoMmuDxe itself; weak ones
        (virtio ``*ExitBoot`` lines, SNP's "Accepting all memory" at BeforeExitBootServices)
        only open the hand-off watch when the log has no IoMmu lines to wait for."""
        if self.ebs_line is None:
            self.ebs_line = line
        if strong or not (self.iommu.maps or self.iommu.allocations):
            self._watch = self.space.line_of("handoff") is None

    # -- the hot path -----------------------------------------------------------------------

    def feed(self, event: m.Event) -> None:
        cls = type(event)
        if self._watch and cls not in TEARDOWN_TYPES:
            self._handoff(event.line)
        handler = self._handlers.get(cls)
        if handler is not None:
            handler(event)

    # -- handlers ---------------------------------------------------------------------------

    def _set_attribute(self, ev: m.IoMmuSetAttribute) -> None:
        self.set_attributes += 1

    def _pool_init(self, ev: m.PoolInit) -> None:
        self.iommu.pool_init(ev)
        pool = self.iommu.pool
        if pool is not None:
            self.space.label_pool(pool)

    def _exit_boot(self, ev: m.IoMmuExitBoot) -> None:
        self.iommu.start_teardown(ev.line)

    def _encdec(self, ev: m.SetMemoryEncDec) -> None:
        end = ev.physical + ev.length
        if ev.mmio:
            self.tracker.logged_mmio(ev.physical, end, not ev.encrypt)
            return
        self._last_encdec = (ev.module, ev.physical, end, not ev.encrypt)
        self.tracker.logged(ev.physical, end, not ev.encrypt, ev.module, ev.line, ev.time)

    def _psc(self, ev: m.PageStateChange) -> None:
        last = self._last_encdec
        if (
            last is not None
            and not ev.large
            and last[0] == ev.module
            and last[3] is ev.shared
            and last[1] <= ev.start
            and ev.end <= last[2]
        ):
            self._last_encdec = None  # the PSC half of the SetMemoryEncDec just logged
            self.tracker.enc_logged = True
            return
        self.tracker.logged(ev.start, ev.end, ev.shared, ev.module, ev.line, ev.time)

    def _tdx_convert(self, ev: m.SetMemorySharedOrPrivate) -> None:
        self.tracker.logged(
            ev.physical, ev.physical + ev.length, ev.shared, ev.module, ev.line, ev.time
        )

    def _shared_bit(self, ev: m.SharedBitChange) -> None:
        self.pte_updates += 1
        self.tracker.enc_logged = True

    def _split(self, ev: m.PageSplit) -> None:
        self.page_splits += 1

    def _accept_message(self, ev: m.TdAcceptMessage) -> None:
        self.accept_messages += 1

    def _accepted(self, ev: m.MemoryAccepted) -> None:
        self.tracker.pages.set_range(ev.start, ev.end, PageState.PRIVATE)

    def _resource(self, ev: m.ResourceHob) -> None:
        if ev.resource_type == 7 and ev.length > 0:
            self.tracker.pages.set_range(ev.start, ev.start + ev.length, PageState.UNACCEPTED)

    def _ghcb(self, ev: m.SevEsGhcb) -> None:
        if ev.backup or ev.pages <= 0:
            return
        pages = min(ev.pages, MAX_GHCB_PAGES)
        self.space.label(ev.base, ev.base + pages * PAGE_SIZE, PageState.SHARED, "GHCB")
        pagemap = self.tracker.pages
        for i in range(0, pages, 2):  # even pages are GHCBs (shared), odd ones per-CPU data
            start = ev.base + i * PAGE_SIZE
            self.space.expect_shared(start, start + PAGE_SIZE)
            if pagemap.state_at(start) is not PageState.SHARED:
                self.tracker.apply(
                    start,
                    start + PAGE_SIZE,
                    True,
                    ev.line,
                    ev.time,
                    module="PlatformPei",
                    source="implied",
                    check=False,
                )

    def _hint(self, ev: m.PlatformHint) -> None:
        name = ev.name
        if name == "accepting-all-memory":
            pagemap = self.tracker.pages
            todo = [(s, e) for s, e, st in pagemap.ranges() if st is PageState.UNACCEPTED]
            for s, e in todo:
                pagemap.set_range(s, e, PageState.PRIVATE)
        elif name == "fw-cfg-dma" and ev.value:
            self.attributor.fw_cfg_line = ev.line

    def _driver_message(self, ev: m.DriverMessage) -> None:
        if not is_exit_boot_message(ev):  # an ExitBoot callback line names no device
            self.attributor.on_message(ev)

    # -- lifetimes, hand-off, result --------------------------------------------------------

    def _lifetime(self, mp: Mapping, line: int | None, time: float | None) -> None:
        if mp.op in COMMON or line is None or self.iommu.teardown:
            if len(self.long_lived) < self.max_long:
                self.long_lived.append((mp, line, time))
            else:
                self.long_dropped += 1
        elif self.sampled.wants():
            self.sampled.add((mp, line, time))
        else:
            self.sampled.skip()

    def _handoff(self, line: int) -> None:
        self._watch = False
        self.tracker.resolve(line, None, sticky=True)
        self.space.snapshot("handoff", line, self.collector)

    def finish(self, *, last_line: int) -> SimulationResult:
        self.attributor.finish(last_line)
        self.iommu.finish(last_line)
        if self._watch or (self.ebs_line is not None and self.space.line_of("handoff") is None):
            self._handoff(last_line)
        self.tracker.resolve(last_line, None, sticky=True)
        self.space.snapshot("end", last_line, None)
        live_at_end = len(self.iommu.live)
        for mp in self.iommu.live.values():
            self._lifetime(mp, None, None)
        return SimulationResult(
            devices=build_devices(self),
            timeline=build_timeline(self),
            address_space=self.space.to_dict(),
            mappings=self.mapping_devices(),
            summary=build_summary(self, live_at_end),
        )

    def mapping_devices(self) -> list[tuple[int, str]]:
        """(request_line, device) of each mapping, in log order (capped, see summary)."""
        return [
            (line, stats.resolve().label or "unattributed") for line, stats in self.iommu.records
        ]
