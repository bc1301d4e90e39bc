"""Phase alignment of two timelines for the comparison page.

Log line N of one boot and line N of another mean nothing together; seconds do (when both
logs have timestamps), and so do boot phases. Without timestamps on both sides each phase
(SEC, PEI, DXE, BDS, ExitBootServices, in order of occurrence) is stretched to the same
width, one x unit per phase, so that DXE of boot A sits above DXE of boot B.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

from app.service.figures.style import PHASE_COLOURS, Figure

PhaseKey = tuple[str, int]  # (phase name, occurrence): a phase may repeat in a reset cycle
CANONICAL = list(PHASE_COLOURS)


def phase_keys(phases: Sequence[dict[str, Any]]) -> list[PhaseKey]:
    seen: dict[str, int] = {}
    keys = []
    for band in phases:
        seen[band["name"]] = seen.get(band["name"], -1) + 1
        keys.append((band["name"], seen[band["name"]]))
    return keys


def common_phases(*windows: dict[str, Any]) -> list[PhaseKey]:
    """Every phase of either boot, in boot order (the canonical order, then occurrence)."""
    keys = {key for window in windows for key in phase_keys(window["phases"])}

    def order(key: PhaseKey) -> tuple[int, int, str]:
        name, occurrence = key
        rank = CANONICAL.index(name) if name in CANONICAL else len(CANONICAL)
        return occurrence, rank, name

    return sorted(keys, key=order)


def phase_mapping(window: dict[str, Any], slots: list[PhaseKey]) -> Callable[[float], float]:
    """x (line or second) -> phase units: phase ``slots[i]`` spans [i, i + 1]."""
    bands = sorted(
        (band["start"], band["end"], slots.index(key))
        for band, key in zip(window["phases"], phase_keys(window["phases"]), strict=True)
    )
    starts = [band[0] for band in bands]

    def to_phase(x: float) -> float:
        if not bands:
            return x
        i = max(0, bisect.bisect_right(starts, x) - 1)
        start, end, slot = bands[i]
        if end <= start:
            return float(slot)
        share: float = min(1.0, max(0.0, (x - start) / (end - start)))
        return slot + share

    return to_phase


def align_by_phase(
    figure: Figure, to_phase: Callable[[float], float], slots: list[PhaseKey]
) -> None:
    """Rewrite every x of a timeline figure (``build_timeline_figure``) into phase units."""

    def mapped(values: list[Any]) -> list[Any]:
        return [None if v is None else to_phase(v) for v in values]

    for trace in figure["data"]:
        if trace.get("orientation") == "h":  # Gantt bars: x is a length from ``base``
            ends = [to_phase(b + x) for b, x in zip(trace["base"], trace["x"], strict=True)]
            trace["base"] = mapped(trace["base"])
            trace["x"] = [end - base for end, base in zip(ends, trace["base"], strict=True)]
            continue
        if isinstance(trace.get("width"), int | float):  # bars: a bucket in data units
            trace["width"] = [to_phase(x + trace["width"]) - to_phase(x) for x in trace["x"]]
        if "x" not in trace:
            continue
        hover = trace.get("hovertemplate", "")
        if "%{x}" in hover and "customdata" not in trace:  # hover keeps the line or second
            trace["customdata"] = list(trace["x"])
            trace["hovertemplate"] = hover.replace("%{x}", "%{customdata}")
        trace["x"] = mapped(trace["x"])
    layout = figure["layout"]
    for shape in layout.get("shapes", []):
        shape["x0"], shape["x1"] = to_phase(shape["x0"]), to_phase(shape["x1"])
    for note in layout.get("annotations", []):
        note["x"] = to_phase(note["x"])
    layout["xaxis"].update(
        range=[0, len(slots)],
        title={"text": "boot phase (each phase stretched to the same width)"},
        tickmode="array",
        tickvals=[i + 0.5 for i in range(len(slots))],
        ticktext=[
            name if occurrence == 0 else f"{name} ({occurrence + 1})" for name, occurrence in slots
        ],
    )
    layout["meta"] = {**layout.get("meta", {}), "aligned": "phase"}
