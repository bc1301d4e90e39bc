"""The host page map over the VM's life, built from QEMU's trace events as they stream by.

``HostView.feed`` takes every event of the capture (the guest's too: its conversions are kept
for the cross-check, compactly and at most ``crosscheck.MAX_GUEST_CONVERSIONS``); the phase a
host line falls in is the boot tracker's (``phase_of``, the one owner of phases and
ExitBootServices; ``kernel`` from ExitBootServices on);
``feed_separate`` takes the events of a host trace uploaded apart from the guest log, whose
lines cannot be placed in the guest's phases. ``finish`` returns the ``host`` section, or
``None`` when no host line was seen.

The map starts all private: SNP and TDX guest memory is private (guest_memfd) until the guest
asks for a conversion, so shared pages are exactly what ``kvm_convert_memory`` made shared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from app.analysis.host import document as hd
from app.analysis.host.crosscheck import MAX_GUEST_CONVERSIONS, GuestConversions, HostPiece
from app.analysis.host.events import (
    HostConversion,
    HostEvent,
    HostLaunchFinish,
    HostLaunchStart,
    HostLaunchUpdate,
    HostMapGpaRange,
    HostMemoryFault,
    HostMemorySlot,
    HostReset,
)
from app.analysis.host.sharedmap import Episode, SharedMap
from app.analysis.model import (
    PAGE_SIZE,
    Event,
    PageStateChange,
    Phase,
    SetMemoryEncDec,
    SetMemorySharedOrPrivate,
)

MAX_CONVERSIONS = 5000
LARGEST_SHARED = 10
LAUNCH = "launch"
KERNEL = "kernel"
RUN = "run"
MAX_SECOND_ROWS = 3600  # rows of the per-second totals before seconds are merged


@dataclass(slots=True)
class _Counts:
    """Conversions by direction, and the shared pages after the last one (a phase, a second)."""

    to_shared: int = 0
    to_private: int = 0
    pages_to_shared: int = 0
    pages_to_private: int = 0
    shared_pages: int = 0
    faults: int = 0

    def add(self, to_private: bool, pages: int, shared_after: int) -> None:
        if to_private:
            self.to_private += 1
            self.pages_to_private += pages
        else:
            self.to_shared += 1
            self.pages_to_shared += pages
        self.shared_pages = shared_after


@dataclass(slots=True)
class HostFacts:
    """What the cross-check needs besides the section: conversions and launch ranges."""

    pieces: list[HostPiece] = field(default_factory=list)
    guest: GuestConversions = field(default_factory=GuestConversions)
    launch: list[HostLaunchUpdate] = field(default_factory=list)
    faults: list[HostMemoryFault] = field(default_factory=list)


def phase_name(phase: Phase | None) -> str:
    """The host view's name of the boot tracker's phase."""
    if phase is None:
        return LAUNCH
    return KERNEL if phase is Phase.EXIT_BOOT_SERVICES else phase.value


class HostView:
    def __init__(
        self,
        phase_of: Callable[[], Phase | None] = lambda: None,
        guest_limit: int = MAX_GUEST_CONVERSIONS,
    ) -> None:
        self.facts = HostFacts(guest=GuestConversions(guest_limit))
        self._map = SharedMap()
        self._phase_of = phase_of
        self._phase = LAUNCH
        self._separate = False
        self._seen_host = False
        self._lines = 0
        self._origin: float | None = None
        self._last_seconds: float | None = None
        self._technology: str | None = None
        self._slots: list[hd.MemorySlot] = []
        self._conversions: list[hd.Conversion] = []
        self._counts = Counter[str]()
        self._phases: dict[str, _Counts] = {}
        self._seconds: dict[int, _Counts] = {}
        self._episodes: list[Episode] = []
        self._resets: list[hd.ResetSeen] = []
        self._peak = 0
        self._at_handoff: int | None = None
        self._handlers: dict[type, Callable[[Event], None]] = {
            HostConversion: self._conversion,
            HostMemoryFault: self._fault,
            HostMapGpaRange: self._map_gpa,
            HostLaunchStart: self._launch_start,
            HostLaunchUpdate: self._launch_update,
            HostLaunchFinish: self._launch_finish,
            HostMemorySlot: self._slot,
            HostReset: self._reset,
            SetMemoryEncDec: self._guest,
            PageStateChange: self._guest,
            SetMemorySharedOrPrivate: self._guest,
        }
        #: the event types ``feed`` does anything with: the replay loop passes only these
        #: (most lines of a verbose log are IoMmu lines, none of the host view's business)
        self.event_types = frozenset(self._handlers)

    def feed(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def begin_separate(self) -> None:
        """The events that follow come from a host trace given apart from the guest log."""
        self._separate = True
        self._phase = LAUNCH

    def feed_separate(self, event: Event) -> None:
        """An event of a separate host trace: ``launch`` until the launch finished or the
        first conversion, then ``run`` (the guest's phases cannot be told)."""
        if not isinstance(event, HostEvent):
            return
        if self._phase == LAUNCH and (
            isinstance(event, HostConversion | HostMemoryFault) or self._counts["finish"]
        ):
            self._enter(RUN)
        self.feed(event)

    # --- guest events ---------------------------------------------------------------------

    def _guest(self, event: Event) -> None:
        self.facts.guest.add(event, phase_name(self._phase_of()))

    def _follow_phase(self) -> None:
        """In a capture, take the boot tracker's phase before each host line."""
        if self._separate:
            return
        phase = phase_name(self._phase_of())
        if phase != self._phase:
            if phase == KERNEL and self._at_handoff is None:
                self._at_handoff = self._map.shared_pages
            self._enter(phase)

    def _enter(self, phase: str) -> None:
        current = self._phases.get(self._phase)
        if current is not None:
            current.shared_pages = self._map.shared_pages
        self._phase = phase

    # --- host events ----------------------------------------------------------------------

    def _host(self, event: HostEvent) -> float | None:
        """Count the line and return its seconds on the host's axis."""
        self._follow_phase()
        self._seen_host = True
        self._lines += 1
        clock = event.host_time if event.host_time is not None else event.time
        if clock is None:
            return None
        if self._origin is None:
            self._origin = clock
        seconds = round(clock - self._origin, 6)
        self._last_seconds = seconds
        return seconds

    def _conversion(self, event: Event) -> None:
        assert isinstance(event, HostConversion)
        seconds = self._host(event)
        end = event.start + event.size
        pages = event.size // PAGE_SIZE
        if event.to_private:
            self._episodes.extend(self._map.make_private(event.start, end, seconds))
        else:
            self._map.share(event.start, end, event.line, seconds, self._phase)
        shared = self._map.shared_pages
        self._phase_counts().add(event.to_private, pages, shared)
        if seconds is not None:
            bucket = self._seconds.setdefault(int(seconds), _Counts())
            bucket.add(event.to_private, pages, shared)
        self._peak = max(self._peak, shared)
        self.facts.pieces.append(
            HostPiece(event.line, event.start, end, event.to_private, self._phase, seconds)
        )
        if len(self._conversions) < MAX_CONVERSIONS:
            self._conversions.append(
                hd.Conversion(
                    event.line,
                    seconds,
                    event.start,
                    event.size,
                    event.to_private,
                    self._phase,
                    shared,
                )
            )

    def _fault(self, event: Event) -> None:
        assert isinstance(event, HostMemoryFault)
        self._host(event)
        self._counts["faults"] += 1
        self._counts["private_faults"] += event.private
        self._phase_counts().faults += 1
        self.facts.faults.append(event)

    def _map_gpa(self, event: Event) -> None:
        assert isinstance(event, HostEvent)
        self._host(event)
        self._counts["map_gpa"] += 1

    def _launch_start(self, event: Event) -> None:
        assert isinstance(event, HostLaunchStart)
        self._host(event)
        if self._technology != "sev-snp":
            self._technology = event.technology

    def _launch_update(self, event: Event) -> None:
        assert isinstance(event, HostLaunchUpdate)
        self._host(event)
        self._technology = self._technology or event.technology
        if event.technology == "tdx":
            self._technology = "tdx"
        self.facts.launch.append(event)

    def _launch_finish(self, event: Event) -> None:
        assert isinstance(event, HostLaunchFinish)
        self._host(event)
        self._counts["finish"] += 1

    def _slot(self, event: Event) -> None:
        assert isinstance(event, HostMemorySlot)
        self._host(event)
        private = None if event.guest_memfd is None else event.guest_memfd >= 0
        self._slots.append(hd.MemorySlot(event.line, event.slot, event.gpa, event.size, private))

    def _reset(self, event: Event) -> None:
        assert isinstance(event, HostReset)
        seconds = self._host(event)
        self._resets.append(hd.ResetSeen(event.line, seconds, event.kind, event.detail))

    def _phase_counts(self) -> _Counts:
        counts = self._phases.get(self._phase)
        if counts is None:  # phases appear once a host conversion or fault falls in them
            counts = self._phases[self._phase] = _Counts()
            counts.shared_pages = self._map.shared_pages
        return counts

    # --- the section ----------------------------------------------------------------------

    @property
    def seen(self) -> bool:
        return self._seen_host

    @property
    def interleaved(self) -> bool:
        return self._seen_host and not self._separate

    def finish(self, cross_check: hd.CrossCheck | None = None) -> hd.HostSection | None:
        if not self._seen_host:
            return None
        if not self._separate and phase_name(self._phase_of()) == KERNEL:
            self._follow_phase()  # hand-off after the last host line
        pieces = self.facts.pieces
        launch = tuple(
            hd.LaunchRange(u.line, u.gpa, u.size, u.page_type, u.measured)
            for u in self.facts.launch
        )
        return hd.HostSection(
            technology=self._technology,
            interleaved=self.interleaved,
            lines=self._lines,
            duration_seconds=self._last_seconds,
            launch=launch,
            launch_pages=sum(r.size for r in launch) // PAGE_SIZE,
            measured_pages=sum(r.size for r in launch if r.measured) // PAGE_SIZE,
            slots=tuple(self._slots),
            to_shared=sum(1 for p in pieces if not p.to_private),
            to_private=sum(1 for p in pieces if p.to_private),
            pages_to_shared=sum(p.end - p.start for p in pieces if not p.to_private) // PAGE_SIZE,
            pages_to_private=sum(p.end - p.start for p in pieces if p.to_private) // PAGE_SIZE,
            conversions=tuple(self._conversions),
            conversions_truncated=len(pieces) > len(self._conversions),
            per_second=self._per_second(),
            phases=tuple(
                hd.PhaseTotals(
                    name,
                    c.to_shared,
                    c.to_private,
                    c.pages_to_shared,
                    c.pages_to_private,
                    c.faults,
                    c.shared_pages,
                )
                for name, c in self._phases.items()
            ),
            shared_pages_peak=self._peak,
            shared_pages_at_handoff=self._at_handoff,
            shared_pages_at_end=self._map.shared_pages,
            largest_shared=self._largest_shared(),
            faults=self._counts["faults"],
            private_faults=self._counts["private_faults"],
            map_gpa_requests=self._counts["map_gpa"],
            resets=tuple(self._resets),
            cross_check=cross_check,
        )

    def _per_second(self) -> tuple[hd.SecondTotals, ...]:
        """Every second from the first to the last conversion (quiet seconds carry the count).

        At most ``MAX_SECOND_ROWS`` rows: a longer trace (a VM that ran for days, or a damaged
        clock) is summed into buckets of whole seconds, each row naming its first second, so
        the section stays bounded whatever the span."""
        if not self._seconds:
            return ()
        first, last = min(self._seconds), max(self._seconds)
        width = max(1, -(-(last - first + 1) // MAX_SECOND_ROWS))
        buckets: dict[int, list[int]] = {}
        for second in sorted(self._seconds):
            bucket = self._seconds[second]
            row = buckets.setdefault(first + (second - first) // width * width, [0, 0, 0, 0, 0])
            row[0] += bucket.to_shared
            row[1] += bucket.to_private
            row[2] += bucket.pages_to_shared
            row[3] += bucket.pages_to_private
            row[4] = bucket.shared_pages
        out = []
        shared = 0
        for start in range(first, last + 1, width):
            totals = buckets.get(start)
            if totals is None:
                out.append(hd.SecondTotals(start, 0, 0, 0, 0, shared))
                continue
            shared = totals[4]
            to_shared, to_private, pages_shared, pages_private = totals[:4]
            out.append(
                hd.SecondTotals(start, to_shared, to_private, pages_shared, pages_private, shared)
            )
        return tuple(out)

    def _largest_shared(self) -> tuple[hd.SharedRange, ...]:
        episodes = [*self._episodes, *self._map.open_episodes()]
        episodes.sort(key=lambda e: (-(e.end - e.start), e.line))
        out = []
        for e in episodes[:LARGEST_SHARED]:
            until = e.until if e.until is not None else None
            end_time = until if until is not None else self._last_seconds
            duration = None if e.since is None or end_time is None else round(end_time - e.since, 6)
            out.append(
                hd.SharedRange(e.start, e.end - e.start, e.line, e.since, until, duration, e.phase)
            )
        return tuple(out)
