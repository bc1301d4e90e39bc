"""Bounded timeline data: whatever the log size, these structures stay below fixed caps.

* ``Downsampler``: a step series sampled on change (shared pages). Points fall into buckets of
  ``width`` lines; when there are more than ``max_points`` buckets the width doubles and
  neighbouring buckets merge, keeping min/max/last, so spikes survive downsampling.
* ``BucketCounter``: event counts per line bucket with the same doubling scheme.
* ``Decimator``: keeps every ``stride``-th item; when full it drops every other kept item and
  doubles the stride (deterministic, unlike reservoir sampling).
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Downsampler:
    """Bucketed step series: each bucket is ``[first_line, last_line, time, min, max, last]``."""

    __slots__ = ("max_points", "width", "buckets", "_key")

    def __init__(self, max_points: int = 1000) -> None:
        self.max_points = max(2, max_points)
        self.width = 1
        self.buckets: list[list[float]] = []
        self._key = -1

    def record(self, line: int, time: float | None, value: int) -> None:
        key = line // self.width
        if key == self._key:
            b = self.buckets[-1]
            b[1] = line
            if value < b[3]:
                b[3] = value
            if value > b[4]:
                b[4] = value
            b[5] = value
            return
        self.buckets.append([line, line, -1.0 if time is None else time, value, value, value])
        self._key = key
        if len(self.buckets) > self.max_points:
            self._coarsen()

    def _coarsen(self) -> None:
        self.width *= 2
        merged: list[list[float]] = []
        last_key = -1
        for b in self.buckets:
            key = int(b[0]) // self.width
            if merged and key == last_key:
                m = merged[-1]
                m[1] = b[1]
                m[3] = min(m[3], b[3])
                m[4] = max(m[4], b[4])
                m[5] = b[5]
            else:
                merged.append(b)
                last_key = key
        self.buckets = merged
        self._key = int(merged[-1][0]) // self.width if merged else -1

    def to_dict(self) -> dict[str, object]:
        return {
            "bucket_lines": self.width,
            "points": [
                {
                    "line": int(b[0]),
                    "end_line": int(b[1]),
                    "time": None if b[2] < 0 else b[2],
                    "min": int(b[3]),
                    "max": int(b[4]),
                    "last": int(b[5]),
                }
                for b in self.buckets
            ],
        }


class BucketCounter:
    """Counts (events, pages, to_shared) per line bucket, at most ``max_buckets`` buckets."""

    __slots__ = ("max_buckets", "width", "buckets", "key")

    def __init__(self, max_buckets: int = 1000) -> None:
        self.max_buckets = max(2, max_buckets)
        self.width = 1
        self.buckets: list[list[int]] = []  # [first_line, events, pages, to_shared]
        self.key = -1

    def add(self, line: int, pages: int, to_shared: bool) -> None:
        key = line // self.width
        if key != self.key:
            self.buckets.append([line, 0, 0, 0])
            self.key = key
            if len(self.buckets) > self.max_buckets:
                self._coarsen()
        b = self.buckets[-1]
        b[1] += 1
        b[2] += pages
        if to_shared:
            b[3] += 1

    def _coarsen(self) -> None:
        self.width *= 2
        merged: list[list[int]] = []
        last_key = -1
        for b in self.buckets:
            key = b[0] // self.width
            if merged and key == last_key:
                m = merged[-1]
                m[1] += b[1]
                m[2] += b[2]
                m[3] += b[3]
            else:
                merged.append(b)
                last_key = key
        self.buckets = merged
        self.key = merged[-1][0] // self.width if merged else -1

    def to_dict(self) -> dict[str, object]:
        return {
            "bucket_lines": self.width,
            "buckets": [
                {"line": b[0], "count": b[1], "pages": b[2], "to_shared": b[3]}
                for b in self.buckets
            ],
        }


class Decimator(Generic[T]):
    """Deterministic bounded sample of a stream: every ``stride``-th item, stride doubling."""

    __slots__ = ("cap", "stride", "items", "seen")

    def __init__(self, cap: int) -> None:
        self.cap = max(2, cap)
        self.stride = 1
        self.items: list[tuple[int, T]] = []
        self.seen = 0

    def wants(self) -> bool:
        """Whether the next item will be kept (lets callers skip building it)."""
        return self.seen % self.stride == 0

    def add(self, item: T) -> None:
        seq = self.seen
        self.seen += 1
        if seq % self.stride:
            return
        self.items.append((seq, item))
        if len(self.items) > self.cap:
            self.stride *= 2
            self.items = [(s, it) for s, it in self.items if s % self.stride == 0]

    def skip(self) -> None:
        """Count an item the caller decided not to build (``wants()`` was False)."""
        self.seen += 1

    @property
    def dropped(self) -> int:
        return self.seen - len(self.items)

    def values(self) -> list[T]:
        return [it for _, it in self.items]
