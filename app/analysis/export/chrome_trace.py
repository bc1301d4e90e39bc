"""The encryption timeline as Chrome trace-event JSON, which Perfetto and chrome://tracing open.

Format: the "Trace Event Format" document of the Chromium project (JSON object form with
``traceEvents``; ``B``/``E`` duration events, ``C`` counters, ``i`` instants, ``M`` metadata).

One process, the boot, with these tracks (threads):

- ``phases``: a ``boot`` duration event around the firmware phases (SEC, PEI, DXE, BDS, ...),
  each its own nested duration event;
- one track per device (named by a ``thread_name`` metadata event), its DMA mappings as
  duration events. Mappings of one device overlap in time, and duration events on a track must
  nest, so overlapping mappings are spread over lanes (``virtio-blk``, ``virtio-blk #2``, ...)
  by first-fit: within a lane the mappings are disjoint, hence properly nested;
- ``findings``: an instant event at the first line of each finding, and one at
  ExitBootServices;
- counters ``shared pages`` (last value of each bucket) and ``shared pages (bucket peak)``.

The clock: when the log has timestamps for every phase and mapping, ``ts`` is the time in
microseconds; otherwise it is the log line number (one line = one microsecond on the ruler),
so a log without timestamps still gives an ordered, readable picture. ``otherData.clock``
says which.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.analysis.document import Lifetime, ResultDocument

PID = 1
PHASES_TID = 1
FINDINGS_TID = 2
FIRST_DEVICE_TID = 10

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Clock:
    """Maps a (line, time) pair of the document to a trace timestamp in microseconds."""

    by_time: bool

    @property
    def name(self) -> str:
        return "seconds" if self.by_time else "log line"

    def at(self, line: int, time: float | None) -> float:
        if self.by_time and time is not None:
            return round(time * 1_000_000, 3)
        return float(line)


def render(document: ResultDocument) -> bytes:
    return json.dumps(trace(document), indent=1).encode() + b"\n"


def trace(document: ResultDocument) -> Json:
    clock = _clock(document)
    events: list[Json] = [
        _meta("process_name", {"name": f"cvmreview: {document.source.name}"}),
        *_thread_meta(PHASES_TID, "phases", 0),
        *_thread_meta(FINDINGS_TID, "findings", 1),
    ]
    events += _phase_events(document, clock)
    events += _finding_events(document, clock)
    events += _mapping_events(document, clock)
    events += _counter_events(document, clock)
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "clock": clock.name,
            "log": document.source.name,
            "sha256": document.source.sha256,
            "platform": document.platform.kind,
            "engine_version": document.engine_version,
        },
    }


def _lifetimes(document: ResultDocument) -> list[Lifetime]:
    """Mappings to draw: long-lived and sampled ones that have a start, each once."""
    lifetimes = document.timeline.lifetimes
    seen: set[tuple[object, ...]] = set()
    out = []
    for lifetime in (*lifetimes.long_lived, *lifetimes.sampled):
        identity = (lifetime.device, lifetime.mapping, lifetime.start_line, lifetime.operation)
        if lifetime.start_line is None or identity in seen:
            continue
        seen.add(identity)
        out.append(lifetime)
    return out


def _clock(document: ResultDocument) -> Clock:
    phases_timed = all(p.start_time is not None and p.end_time is not None for p in document.phases)
    mappings_timed = all(m.start_time is not None for m in _lifetimes(document))
    return Clock(document.source.has_timestamps and phases_timed and mappings_timed)


def _meta(name: str, args: Json, tid: int = 0) -> Json:
    return {"ph": "M", "name": name, "pid": PID, "tid": tid, "args": args}


def _thread_meta(tid: int, name: str, order: int) -> list[Json]:
    return [
        _meta("thread_name", {"name": name}, tid),
        _meta("thread_sort_index", {"sort_index": order}, tid),
    ]


def _span(tid: int, name: str, start: float, end: float, args: Json | None = None) -> list[Json]:
    begin: Json = {"ph": "B", "name": name, "cat": "boot", "pid": PID, "tid": tid, "ts": start}
    if args:
        begin["args"] = args
    return [begin, {"ph": "E", "name": name, "pid": PID, "tid": tid, "ts": max(end, start)}]


def _end_of_log(document: ResultDocument, clock: Clock) -> float:
    last_time = max((p.end_time for p in document.phases if p.end_time is not None), default=None)
    return clock.at(document.source.lines + 1, last_time)


def _phase_events(document: ResultDocument, clock: Clock) -> list[Json]:
    if not document.phases:
        return []
    spans = [
        (
            phase.name,
            clock.at(phase.first_line, phase.start_time),
            clock.at(phase.last_line + (0 if clock.by_time else 1), phase.end_time),
            {"first_line": phase.first_line, "last_line": phase.last_line},
        )
        for phase in document.phases
    ]
    start, end = spans[0][1], max(span[2] for span in spans)
    events = [_span(PHASES_TID, "boot", start, end, {"outcome": document.boot.outcome})[0]]
    cursor = start
    for name, begin, finish, args in spans:
        begin = max(begin, cursor)  # never before the previous phase ended: stay nested
        finish = min(max(finish, begin), end)
        events += _span(PHASES_TID, name, begin, finish, args)
        cursor = finish
    events.append({"ph": "E", "name": "boot", "pid": PID, "tid": PHASES_TID, "ts": end})
    return events


def _finding_events(document: ResultDocument, clock: Clock) -> list[Json]:
    events: list[Json] = []
    ebs = document.boot.exit_boot_services_line
    if ebs is not None:
        events.append(_instant("ExitBootServices", clock.at(ebs, None), {"line": ebs}))
    for finding in document.findings:
        if finding.lines:
            args = {"severity": finding.severity, "lines": list(finding.lines)}
            events.append(
                _instant(f"{finding.id} {finding.title}", clock.at(finding.lines[0], None), args)
            )
    events.sort(key=lambda event: float(event["ts"]))
    return events


def _instant(name: str, ts: float, args: Json) -> Json:
    return {
        "ph": "i",
        "s": "t",
        "name": name,
        "pid": PID,
        "tid": FINDINGS_TID,
        "ts": ts,
        "args": args,
    }


def _mapping_events(document: ResultDocument, clock: Clock) -> list[Json]:
    """Per device, mappings spread over lanes so that no two on a track overlap."""
    end_of_log = _end_of_log(document, clock)
    by_device: dict[str, list[tuple[float, float, Lifetime]]] = {}
    for lifetime in _lifetimes(document):
        assert lifetime.start_line is not None  # _lifetimes keeps only those
        start = clock.at(lifetime.start_line, lifetime.start_time)
        if lifetime.end_line is None:
            end = end_of_log
        else:
            end = clock.at(lifetime.end_line + (0 if clock.by_time else 1), lifetime.end_time)
        by_device.setdefault(lifetime.device, []).append((start, max(end, start), lifetime))
    events: list[Json] = []
    tid = FIRST_DEVICE_TID
    for device in sorted(by_device):
        for lane_number, lane in enumerate(_lanes(by_device[device]), 1):
            name = device if lane_number == 1 else f"{device} #{lane_number}"
            events += _thread_meta(tid, name, tid)
            for start, end, lifetime in lane:
                events += _span(
                    tid, lifetime.operation or "map", start, end, _mapping_args(lifetime)
                )
            tid += 1
    return events


def _lanes(
    spans: Iterable[tuple[float, float, Lifetime]],
) -> list[list[tuple[float, float, Lifetime]]]:
    """First-fit interval partitioning: a span goes to the first lane that is free by then."""
    lanes: list[list[tuple[float, float, Lifetime]]] = []
    for span in sorted(spans, key=lambda s: (s[0], s[1])):
        for lane in lanes:
            if lane[-1][1] < span[0]:  # strictly: no E and B at one ts
                lane.append(span)
                break
        else:
            lanes.append([span])
    return lanes


def _mapping_args(lifetime: Lifetime) -> Json:
    args: Json = {"pages": lifetime.pages, "start_line": lifetime.start_line}
    if lifetime.end_line is None:
        args["unmapped"] = False
    else:
        args["end_line"] = lifetime.end_line
    if lifetime.mapping is not None:
        args["mapping"] = f"{lifetime.mapping:#x}"
    return args


def _counter_events(document: ResultDocument, clock: Clock) -> list[Json]:
    events = []
    for point in document.timeline.shared_pages.points:
        ts = clock.at(point.line, point.time)
        events.append(_counter("shared pages", ts, point.last))
        events.append(_counter("shared pages (bucket peak)", ts, point.max))
    return events


def _counter(name: str, ts: float, value: int) -> Json:
    return {"ph": "C", "name": name, "pid": PID, "tid": 0, "ts": ts, "args": {"pages": value}}
