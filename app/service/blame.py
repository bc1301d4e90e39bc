"""Where the boot spent its time, like ``systemd-analyze blame``: per phase and per module.

A module is charged from its ``Loading PEIM/driver at`` line (the core calls its entry point
right after) to the next load or the end of its phase; the stretch of a phase before its first
load goes to the phase's core ("PEI core", "DXE core"), and a phase without loads is one row.
So the module rows of a phase add up to the phase, and the phases to the boot cycle the
document describes (its last). The unit is seconds when the log has timestamps (positions
from the timeline's axis, which interpolates lines without a stamp), else log lines.
Pure functions over the ``ResultDocument``: the blame page and ``GET .../blame`` share them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.analysis.document import ModuleLoad, Phase, ResultDocument
from app.service.timeline import build_axis

CORE_PHASES = ("PEI", "DXE")  # phases whose stretch before the first load is a core's


@dataclass(frozen=True, slots=True)
class BlameRow:
    """One phase or one module (a module loaded twice is one row with ``loads`` 2)."""

    name: str
    kind: str  # phase, core, peim, driver, dxe-core
    phase: str
    line: int  # its first line (a module: its first load line)
    amount: float  # seconds or lines
    share: float  # of the total, 0..1
    loads: int = 1


@dataclass(frozen=True, slots=True)
class Blame:
    unit: str  # "seconds" | "lines"
    total: float
    first_line: int
    last_line: int
    phases: tuple[BlameRow, ...]  # in boot order
    modules: tuple[BlameRow, ...]  # the most expensive first
    loads: int  # module loads seen
    loads_dropped: int  # loads beyond the engine's bound, charged to the one before them


def _positions(document: ResultDocument) -> tuple[str, Callable[[int], float], float]:
    """The unit, a line's position in it, and where the last phase ends."""
    axis = build_axis(document)
    last = document.phases[-1]
    if axis.kind == "time":
        end = axis.at(last.last_line, last.end_time)
        return "seconds", lambda line: axis.at(line) or 0.0, end or 0.0
    return "lines", float, float(last.last_line + 1)


def _module_name(load: ModuleLoad) -> str:
    return load.name or f"(unnamed {load.kind} at line {load.line})"


def _phase_rows(
    phase: Phase,
    start: float,
    end: float,
    loads: Sequence[ModuleLoad],
    at: Callable[[int], float],
) -> list[tuple[str, str, int, float]]:
    """(name, kind, line, amount) of the phase's core stretch and each of its loads."""
    cuts = [(load, at(load.line)) for load in loads]
    rows: list[tuple[str, str, int, float]] = []
    first = cuts[0][1] if cuts else end
    if first > start or not cuts:
        core = phase.name in CORE_PHASES and bool(cuts)
        rows.append(
            (f"{phase.name} core" if core else phase.name, "core" if core else "phase",
             phase.first_line, first - start)
        )  # fmt: skip
    for index, (load, position) in enumerate(cuts):
        following = cuts[index + 1][1] if index + 1 < len(cuts) else end
        rows.append((_module_name(load), load.kind, load.line, following - position))
    return rows


def build_blame(document: ResultDocument) -> Blame | None:
    """The blame of the described boot cycle; None when the log has no phases."""
    if not document.phases:
        return None
    unit, at, finish = _positions(document)
    phases = document.phases
    bounds = [at(p.first_line) for p in phases] + [finish]
    total = bounds[-1] - bounds[0]
    share = (lambda amount: amount / total) if total > 0 else (lambda amount: 0.0)
    loads = document.modules.loads
    phase_rows: list[BlameRow] = []
    merged: dict[str, BlameRow] = {}
    for index, phase in enumerate(phases):
        start, end = bounds[index], bounds[index + 1]
        last_line = phases[index + 1].first_line - 1 if index + 1 < len(phases) else phase.last_line
        inside = [load for load in loads if phase.first_line <= load.line <= last_line]
        phase_rows.append(
            BlameRow(phase.name, "phase", phase.name, phase.first_line, end - start, 0.0)
        )
        for name, kind, line, amount in _phase_rows(phase, start, end, inside, at):
            key = f"{phase.name}\0{name}" if kind in ("core", "phase") else name
            seen = merged.get(key)
            if seen is None:
                merged[key] = BlameRow(name, kind, phase.name, line, amount, 0.0)
            else:
                merged[key] = BlameRow(
                    name, kind, seen.phase, seen.line, seen.amount + amount, 0.0, seen.loads + 1
                )
    return Blame(
        unit=unit,
        total=total,
        first_line=phases[0].first_line,
        last_line=phases[-1].last_line,
        phases=tuple(_with_share(row, share(row.amount)) for row in phase_rows),
        modules=tuple(
            _with_share(row, share(row.amount))
            for row in sorted(merged.values(), key=lambda r: (-r.amount, r.line))
        ),
        loads=len(loads) + document.modules.dropped,
        loads_dropped=document.modules.dropped,
    )


def _with_share(row: BlameRow, share: float) -> BlameRow:
    return BlameRow(row.name, row.kind, row.phase, row.line, row.amount, share, row.loads)
