"""The address-space map: page-map ranges at hand-off and at the end, with labels.

Labels come from firmware metadata (seed ``LabelledRange`` objects), the GHCB allocation and
the IoMmu pool. The shared ranges we *expect* at hand-off (shared seeds, GHCB pages, pool
data areas; MMIO lives in its own map) are kept in a second ``PageMap``; anything else still
shared when ExitBootServices is over is PAGE-004, attributed to whoever shared it last.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from app.analysis.model import LabelledRange, PageState
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator.pagemap import PAGE_SHIFT, PageMap
from app.analysis.simulator.pool import PoolModel
from app.analysis.simulator.transitions import TransitionTracker

MAX_RANGES = 2000
MAX_LABELS = 256
SHARED = PageState.SHARED


class AddressSpace:
    def __init__(self, tracker: TransitionTracker) -> None:
        self.tracker = tracker
        self.labels: list[LabelledRange] = []
        self.expected = PageMap()
        self.snapshots: dict[str, dict[str, Any]] = {}

    def seed(self, seed: LabelledRange) -> None:
        """Firmware metadata: the state is known before the first log line."""
        if seed.end > seed.start and seed.state is not PageState.UNKNOWN:
            self.tracker.pages.set_range(seed.start, seed.end, seed.state)
        self.label(seed.start, seed.end, seed.state, seed.label)
        if seed.state is SHARED:
            self.expect_shared(seed.start, seed.end)

    def label(self, start: int, end: int, state: PageState, label: str) -> None:
        if len(self.labels) < MAX_LABELS:
            self.labels.append(LabelledRange(start, end, state, label))

    def expect_shared(self, start: int, end: int) -> None:
        self.expected.set_range(start, end, SHARED)

    def label_pool(self, pool: PoolModel) -> None:
        self.label(pool.base, pool.end, PageState.UNKNOWN, "IoMmu pool")
        for slot in pool.slots:
            self.expect_shared(slot.data, slot.data_end)

    # -- snapshots --------------------------------------------------------------------------

    def snapshot(self, name: str, line: int, collector: FindingCollector | None) -> None:
        """Record the ranges now; with a collector, also check for unexpected shared pages."""
        if name in self.snapshots:
            return
        pages = self.tracker.pages
        ranges: list[dict[str, Any]] = []
        truncated = 0
        for start, end, state in pages.ranges():
            if len(ranges) >= MAX_RANGES:
                truncated += 1
                continue
            ranges.append(
                {
                    "start": start,
                    "end": end,
                    "state": state.value,
                    "pages": (end - start) >> PAGE_SHIFT,
                    "labels": self._labels_for(start, end),
                }
            )
        self.snapshots[name] = {
            "line": line,
            "ranges": ranges,
            "truncated": truncated,
            "shared_pages": pages.count(SHARED),
            "private_pages": pages.count(PageState.PRIVATE),
            "unaccepted_pages": pages.count(PageState.UNACCEPTED),
        }
        if collector is not None:
            self._check_unexpected(line, collector)

    def _labels_for(self, start: int, end: int) -> list[str]:
        return sorted({lr.label for lr in self.labels if lr.start < end and start < lr.end})

    def _check_unexpected(self, line: int, collector: FindingCollector) -> None:
        shared_by = self.tracker.shared_by
        keys = sorted(shared_by)
        groups: dict[str, list[Any]] = {}
        for start, end, state in self.tracker.pages.ranges():
            if state is not SHARED:
                continue
            for s, e, st in self.expected.pieces(start, end):
                if st is SHARED:
                    continue
                i = bisect_left(keys, s)
                owner, where = "unknown", None
                while i < len(keys) and keys[i] < e:
                    owner, where = shared_by[keys[i]]
                    i += 1
                group = groups.setdefault(owner, [0, [], []])
                group[0] += (e - s) >> PAGE_SHIFT
                if where is not None:
                    group[1].append(where)
                if len(group[2]) < 10:
                    group[2].append(f"{s:#x}-{e:#x}")
        for owner, (count, lines, spans) in groups.items():
            collector.report(
                "PAGE-004",
                [*lines[:20], line],
                key=owner,
                details={"owner": owner, "pages": count, "ranges": spans},
            )

    def line_of(self, name: str) -> int | None:
        snap = self.snapshots.get(name)
        return None if snap is None else int(snap["line"])

    def shared_pages_of(self, name: str) -> int | None:
        snap = self.snapshots.get(name)
        return None if snap is None else int(snap["shared_pages"])

    def to_dict(self) -> dict[str, Any]:
        mmio: list[dict[str, int]] = []
        for start, end, state in self.tracker.mmio.ranges():
            if state is SHARED and len(mmio) < MAX_RANGES:
                mmio.append({"start": start, "end": end, "pages": (end - start) >> PAGE_SHIFT})
        return {
            "handoff": self.snapshots.get("handoff"),
            "end": self.snapshots.get("end"),
            "labels": [
                {"start": lr.start, "end": lr.end, "state": lr.state.value, "label": lr.label}
                for lr in self.labels
            ],
            "mmio_shared": mmio,
        }
