"""Timeline data for one view: a window of the boot at the resolution the chart can show.

The engine stores bounded series (about a thousand buckets, the first transitions, a
decimated sample of mapping lifetimes). A view asks for a window ``[start, end]`` on its axis
(log lines, or seconds when the log has timestamps) and a number of points; this module keeps
what falls in the window and merges buckets down to that many points, keeping the min and max
of each so spikes survive. Every list is capped, so the JSON of a view stays far below 2 MB
whatever the size of the boot. Pure functions over the ``ResultDocument``; the window they
build is the JSON of the view (the API serves it, the figures draw it).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.analysis.document import (
    Lifetime,
    Lifetimes,
    ResultDocument,
    SharedPoint,
    Timeline,
    Transition,
    TransitionBuckets,
)
from app.analysis.model import Severity

DEFAULT_POINTS = 800
MAX_POINTS = 4000
MAX_EVENTS = 1500
MAX_SPANS = 1500
MAX_FINDING_MARKS = 1000


@dataclass(frozen=True)
class Axis:
    """Maps log lines to the x axis: identity, or interpolated seconds for timestamped logs."""

    kind: str  # "line" | "time"
    lines: tuple[int, ...] = ()
    times: tuple[float, ...] = ()

    def at(self, line: int | None, time: float | None = None) -> float | None:
        if line is None:
            return None
        if self.kind == "line":
            return float(line)
        if time is not None:
            return time
        return self._interpolate(line)

    def _interpolate(self, line: int) -> float | None:
        if not self.lines:
            return None
        i = bisect.bisect_left(self.lines, line)
        if i < len(self.lines) and self.lines[i] == line:
            return self.times[i]
        if i == 0:
            return self.times[0]
        if i == len(self.lines):
            return self.times[-1]
        l0, l1, t0, t1 = self.lines[i - 1], self.lines[i], self.times[i - 1], self.times[i]
        return t0 + (t1 - t0) * (line - l0) / (l1 - l0)


def build_axis(document: ResultDocument) -> Axis:
    """Seconds when the log has timestamps (anchors from phases and series), else lines."""
    if not document.source.has_timestamps:
        return Axis("line")
    anchors: dict[int, float] = {}
    for phase in document.phases:
        if phase.start_time is not None:
            anchors[phase.first_line] = phase.start_time
        if phase.end_time is not None:
            anchors[phase.last_line] = phase.end_time
    for point in document.timeline.shared_pages.points:
        if point.time is not None:
            anchors[point.line] = point.time
    if not anchors:
        return Axis("line")
    lines = tuple(sorted(anchors))
    times = tuple(max(0.0, anchors[line]) for line in lines)
    return Axis("time", lines, tuple(_monotone(times)))


def _monotone(values: tuple[float, ...]) -> list[float]:
    """Interpolation needs non-decreasing times; a clock step backwards is flattened."""
    out: list[float] = []
    for value in values:
        out.append(max(value, out[-1]) if out else value)
    return out


def extent(document: ResultDocument, axis: Axis) -> tuple[float, float]:
    """The whole boot on the axis."""
    lines = max(document.source.lines, 1)
    start, end = axis.at(1), axis.at(lines)
    return (start or 0.0, end if end is not None and end > (start or 0.0) else 1.0)


def phase_bands(document: ResultDocument, axis: Axis) -> list[dict[str, Any]]:
    bands = []
    for phase in document.phases:
        x0 = axis.at(phase.first_line, phase.start_time)
        x1 = axis.at(phase.last_line, phase.end_time)
        if x0 is not None and x1 is not None:
            bands.append({"name": phase.name, "start": x0, "end": x1})
    return bands


def _merge_series(
    points: Sequence[SharedPoint], axis: Axis, lo: float, hi: float, n: int
) -> dict[str, Any]:
    """Shared-pages buckets in [lo, hi] merged into at most ``n`` equal-width buckets."""
    xs: list[float] = []
    mins: list[int] = []
    maxs: list[int] = []
    lasts: list[int] = []
    before: int | None = None
    width = (hi - lo) / n if hi > lo else 1.0
    current = -1
    for point in points:
        x = axis.at(point.line, point.time)
        if x is None:
            continue
        if x < lo:
            before = point.last
            continue
        if x > hi:
            break
        key = min(int((x - lo) / width), n - 1)
        if key != current:
            xs.append(x)
            mins.append(point.min)
            maxs.append(point.max)
            lasts.append(point.last)
            current = key
        else:
            mins[-1] = min(mins[-1], point.min)
            maxs[-1] = max(maxs[-1], point.max)
            lasts[-1] = point.last
    if before is not None:  # the level the window opens at
        xs.insert(0, lo)
        mins.insert(0, before)
        maxs.insert(0, before)
        lasts.insert(0, before)
    return {"x": xs, "min": mins, "max": maxs, "last": lasts}


def _merge_counts(
    per_bucket: TransitionBuckets, axis: Axis, lo: float, hi: float, n: int
) -> dict[str, Any]:
    """Transition counts per bucket (to shared / to private) in [lo, hi], at most ``n``.

    ``width`` is one bar's width in axis units (the merged bucket, a stored bucket at the
    least), so that a few bars on a long boot are drawn as narrow as the lines they count
    rather than stretched by plotly's automatic width into solid blocks."""
    buckets = per_bucket.buckets
    width = (hi - lo) / n if hi > lo else 1.0
    merged: dict[int, list[float]] = {}
    for bucket in buckets:
        x = axis.at(bucket.line)
        if x is None or x < lo or x > hi:
            continue
        key = min(int((x - lo) / width), n - 1)
        entry = merged.setdefault(key, [x, 0, 0, 0])
        entry[1] += bucket.to_shared
        entry[2] += bucket.count - bucket.to_shared
        entry[3] += bucket.pages
    rows = [merged[k] for k in sorted(merged)]
    return {
        "x": [r[0] for r in rows],
        "to_shared": [int(r[1]) for r in rows],
        "to_private": [int(r[2]) for r in rows],
        "pages": [int(r[3]) for r in rows],
        "width": max(width, float(per_bucket.bucket_lines)) if axis.kind == "line" else width,
    }


def _events(transitions: Sequence[Transition], axis: Axis, lo: float, hi: float) -> dict[str, Any]:
    keep = []
    for t in transitions:
        x = axis.at(t.line, t.time)
        if x is not None and lo <= x <= hi:
            keep.append((x, t))
    stride = max(1, math.ceil(len(keep) / MAX_EVENTS))
    sample = keep[::stride]
    return {
        "x": [x for x, _ in sample],
        "line": [t.line for _, t in sample],
        "to_shared": [t.to_shared for _, t in sample],
        "pages": [t.pages for _, t in sample],
        "start": [t.start for _, t in sample],
        "module": [t.module or "" for _, t in sample],
        "device": [t.device or "" for _, t in sample],
        "shown": len(sample),
        "in_window": len(keep),
    }


def live_at(item: Lifetime, line: int | None) -> bool:
    """Whether a mapping was still mapped at ``line`` (ExitBootServices): mapped before it and
    unmapped after it, or never. Such mappings are what the OS inherits shared."""
    if line is None or item.start_line is None or item.start_line >= line:
        return False
    return item.end_line is None or item.end_line > line


def _spans(
    lifetimes: Lifetimes, axis: Axis, lo: float, hi: float, last: float, ebs: int | None
) -> dict[str, Any]:
    """Mapping lifetimes overlapping [lo, hi]; when too many, the longest are kept (every
    mapping live at ExitBootServices first: those are the ones a reviewer looks for)."""
    found = []
    for item in (*lifetimes.long_lived, *lifetimes.sampled):
        x0 = axis.at(item.start_line, item.start_time)
        x1 = axis.at(item.end_line, item.end_time)
        if x0 is None:
            continue
        live = x1 is None
        x1 = last if x1 is None else x1
        if x1 < lo or x0 > hi:
            continue
        found.append((x0, max(x1, x0), live, item))
    found.sort(key=lambda f: (live_at(f[3], ebs), f[1] - f[0]), reverse=True)
    shown = sorted(found[:MAX_SPANS], key=lambda f: (f[3].device or "", f[0]))
    return {
        "device": [f[3].device or "unattributed" for f in shown],
        "operation": [f[3].operation or "" for f in shown],
        "start": [f[0] for f in shown],
        "end": [f[1] for f in shown],
        "live": [f[2] for f in shown],
        "pages": [f[3].pages for f in shown],
        "start_line": [f[3].start_line for f in shown],
        "end_line": [f[3].end_line for f in shown],
        "request_line": [f[3].request_line for f in shown],
        "live_at_ebs": [live_at(f[3], ebs) for f in shown],
        "shown": len(shown),
        "in_window": len(found),
    }


def build_window(
    document: ResultDocument,
    *,
    start: float | None = None,
    end: float | None = None,
    points: int = DEFAULT_POINTS,
) -> dict[str, Any]:
    """The timeline data of one view: window ``[start, end]`` (None: the whole boot)."""
    axis = build_axis(document)
    full_lo, full_hi = extent(document, axis)
    lo = full_lo if start is None else max(full_lo, min(start, full_hi))
    hi = full_hi if end is None else min(full_hi, max(end, full_lo))
    if hi <= lo:
        lo, hi = full_lo, full_hi
    n = max(10, min(int(points), MAX_POINTS))
    timeline = document.timeline
    transitions = timeline.transitions
    return {
        "axis": axis.kind,
        "extent": [full_lo, full_hi],
        "window": [lo, hi],
        "points": n,
        "phases": phase_bands(document, axis),
        "shared": _merge_series(timeline.shared_pages.points, axis, lo, hi, n),
        "counts": _merge_counts(transitions.per_bucket, axis, lo, hi, n),
        "events": _events(transitions.first, axis, lo, hi),
        "events_dropped": transitions.dropped,
        "spans": _spans(
            timeline.lifetimes, axis, lo, hi, full_hi, document.boot.exit_boot_services_line
        ),
        "findings": _finding_marks(document, axis, lo, hi),
        "stored_bucket_lines": timeline.shared_pages.bucket_lines,
        "resolution": _resolution(axis, lo, hi, n, timeline),
        "markers": _markers(document, axis),
    }


def _resolution(axis: Axis, lo: float, hi: float, n: int, timeline: Timeline) -> float:
    """The width of one point of the view, in axis units (a stored bucket at the least)."""
    width = (hi - lo) / n
    if axis.kind == "line":
        width = max(width, float(timeline.shared_pages.bucket_lines))
    return width


def _markers(document: ResultDocument, axis: Axis) -> list[dict[str, Any]]:
    """Vertical lines worth a label: ExitBootServices and the hand-off."""
    marks = []
    lines = (
        (document.boot.exit_boot_services_line, "ExitBootServices"),
        (document.iommu.handoff_line, "hand-off"),
    )
    for line, label in lines:
        x = axis.at(line)
        if x is not None:
            marks.append({"x": x, "label": label, "line": line})
    return marks


def _finding_marks(document: ResultDocument, axis: Axis, lo: float, hi: float) -> dict[str, Any]:
    """One mark per log line a finding points at, inside [lo, hi] (at most
    ``MAX_FINDING_MARKS``, worst findings first), so the timeline shows where they are."""
    marks = []
    for finding in document.findings:
        for line in finding.lines:
            x = axis.at(line)
            if x is not None and lo <= x <= hi:
                marks.append((x, line, finding))
    marks.sort(key=lambda m: (-Severity.parse(m[2].severity), m[1]))
    kept = sorted(marks[:MAX_FINDING_MARKS], key=lambda m: m[1])
    return {
        "x": [m[0] for m in kept],
        "line": [m[1] for m in kept],
        "id": [m[2].id for m in kept],
        "severity": [m[2].severity for m in kept],
        "title": [m[2].title for m in kept],
        "fingerprint": [m[2].fingerprint for m in kept],
        "shown": len(kept),
        "in_window": len(marks),
    }
