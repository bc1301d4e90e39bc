"""The ``host`` section of the result document: typed, like ``app.analysis.document``.

Built by ``view.HostView.finish``; ``ResultDocument.host`` holds it (absent when the capture had
no QEMU trace lines). Seconds are on the host's own clock when the trace carries one (the log
backend's ``PID@SECONDS.MICROS:`` prefix), else the capture's stamps, counted from the first
host line; ``None`` when the lines carry no time at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.analysis.jsondata import OMIT_NONE


@dataclass(frozen=True, slots=True)
class LaunchRange:
    """A range the VMM put into the guest before it ran (SNP launch update, TDX init region)."""

    line: int
    gpa: int | None
    size: int
    page_type: str
    measured: bool


@dataclass(frozen=True, slots=True)
class MemorySlot:
    line: int
    slot: int
    gpa: int
    size: int
    private_capable: bool | None


@dataclass(frozen=True, slots=True)
class Conversion:
    line: int
    seconds: float | None
    start: int
    size: int
    to_private: bool
    phase: str
    shared_pages_after: int


@dataclass(frozen=True, slots=True)
class SecondTotals:
    """One second of the trace: conversions started in it and the shared pages at its end."""

    second: int
    to_shared: int
    to_private: int
    pages_to_shared: int
    pages_to_private: int
    shared_pages: int


@dataclass(frozen=True, slots=True)
class PhaseTotals:
    """Conversions while the guest was in ``phase`` (``launch`` before the guest ran, the
    firmware phases, ``kernel`` after ExitBootServices; ``run`` when the trace came without
    the guest's lines)."""

    phase: str
    to_shared: int
    to_private: int
    pages_to_shared: int
    pages_to_private: int
    faults: int
    shared_pages_at_end: int


@dataclass(frozen=True, slots=True)
class SharedRange:
    """One stretch of time a range stayed shared; ``until`` None: still shared at the end."""

    start: int
    size: int
    line: int
    since: float | None
    until: float | None
    seconds_shared: float | None
    phase: str


@dataclass(frozen=True, slots=True)
class ResetSeen:
    line: int
    seconds: float | None
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """Guest conversions paired with the host's (``crosscheck``)."""

    guest_conversions: int  # the ones paired, at most crosscheck.MAX_GUEST_CONVERSIONS
    paired: int
    guest_unseen: int
    host_unexplained: int
    #: guest conversions past that limit, not checked (absent when every one was)
    guest_conversions_not_checked: int | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True, slots=True)
class HostSection:
    technology: str | None  # "sev" | "sev-snp" | "tdx" as the launch events show, or None
    interleaved: bool  # the trace lines came in the same capture as the guest's
    lines: int  # host trace lines recognised
    duration_seconds: float | None
    launch: tuple[LaunchRange, ...]
    launch_pages: int
    measured_pages: int
    slots: tuple[MemorySlot, ...]
    to_shared: int
    to_private: int
    pages_to_shared: int
    pages_to_private: int
    conversions: tuple[Conversion, ...]  # the first MAX_CONVERSIONS
    conversions_truncated: bool
    per_second: tuple[SecondTotals, ...]
    phases: tuple[PhaseTotals, ...]
    shared_pages_peak: int
    shared_pages_at_handoff: int | None
    shared_pages_at_end: int
    largest_shared: tuple[SharedRange, ...]
    faults: int
    private_faults: int
    map_gpa_requests: int
    resets: tuple[ResetSeen, ...]
    cross_check: CrossCheck | None
