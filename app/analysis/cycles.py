"""Boot cycles: one capture may hold several boots (a reset, a reboot loop, a kernel reboot).

Each cycle gets its own ``BootTracker``, ``Simulator`` and finding collector, so nothing carries
over a reset: the page map, live mappings and the platform start clean, as the firmware does.
The tracker says where a new boot starts (``BootTracker.feed`` returns True); ``report`` then
closes the current cycle and opens the next one. A closed cycle keeps only its summary and its
findings (the simulator's state is dropped), and at most ``MAX_CYCLES`` are kept (the first ones
and the last), so memory stays bounded in a reboot loop of any length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.analysis import document as doc
from app.analysis.boot import BootTracker
from app.analysis.model import Finding, LabelledRange, Platform, Severity
from app.analysis.rules import new_collector
from app.analysis.simulator import SimulationResult, Simulator

MAX_CYCLES = 64

PlatformSeeds = Callable[[Platform], Sequence[LabelledRange]]


@dataclass(frozen=True, slots=True)
class ClosedCycle:
    summary: doc.BootCycle
    findings: tuple[Finding, ...]


class CycleRun:
    """The tracker, simulator and collector of the boot cycle being read."""

    def __init__(self, index: int, first_line: int, platform_seeds: PlatformSeeds | None) -> None:
        self.index = index
        self.first_line = first_line
        self.collector = new_collector()
        self.simulator = Simulator(self.collector, platform_seeds=platform_seeds)
        self.boot = BootTracker(self.collector, observer=self.simulator)

    def finish(self, last_line: int) -> SimulationResult:
        """Settle the tracker and the simulator (their findings go to ``collector``)."""
        self.boot.finish(last_line=last_line)
        return self.simulator.finish(last_line=last_line)

    def close(self, last_line: int) -> ClosedCycle:
        """Finish and keep only what the document lists of a cycle before the last."""
        self.finish(last_line)
        return self.summarise(last_line, tuple(self.collector.findings()))

    def summarise(self, last_line: int, findings: tuple[Finding, ...]) -> ClosedCycle:
        boot = self.boot
        counts = {severity.label: 0 for severity in Severity}
        for finding in findings:
            counts[finding.severity.label] += 1
        summary = doc.BootCycle(
            index=self.index,
            first_line=self.first_line,
            last_line=last_line,
            platform=boot.platform.value,
            reached_phase=boot.reached.value if boot.reached else None,
            phases=tuple(span.phase.value for span in boot.phases),
            outcome=boot.outcome,
            failure=failure_of(boot),
            findings=counts,
        )
        return ClosedCycle(summary, findings)


def failure_of(boot: BootTracker) -> doc.Failure | None:
    failure = boot.failure
    if failure is None:
        return None
    return doc.Failure(
        kind=failure.kind,
        line=failure.line,
        text=failure.text,
        vector=failure.vector,
        rip=None if failure.rip is None else hex(failure.rip),
        module=failure.module,
    )


class ClosedCycles:
    """Closed cycles, bounded: the first ``MAX_CYCLES - 1`` and the latest one are kept."""

    def __init__(self) -> None:
        self.kept: list[ClosedCycle] = []
        self.count = 0

    def add(self, cycle: ClosedCycle) -> None:
        self.count += 1
        if len(self.kept) >= MAX_CYCLES - 1:
            self.kept[-1] = cycle  # a long reboot loop: keep its start and its latest cycle
        else:
            self.kept.append(cycle)
