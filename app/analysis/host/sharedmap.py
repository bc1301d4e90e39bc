"""Which guest-physical ranges the host holds shared, and since when.

A sorted list of disjoint ranges, each with the time and line it became shared. Making a range
private again cuts it out and yields the pieces as closed ``Episode``s, so the host view can say
how long each range stayed shared. Conversions are few (thousands in a boot) compared with
firmware lines, so a plain list is fast enough and keeps the code obvious.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

from app.analysis.model import PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Episode:
    start: int
    end: int
    line: int
    since: float | None
    until: float | None
    phase: str


@dataclass(slots=True)
class _Shared:
    start: int
    end: int
    line: int
    since: float | None
    phase: str


class SharedMap:
    def __init__(self) -> None:
        self._ranges: list[_Shared] = []
        self._starts: list[int] = []
        self.shared_bytes = 0

    @property
    def shared_pages(self) -> int:
        return self.shared_bytes // PAGE_SIZE

    def share(self, start: int, end: int, line: int, since: float | None, phase: str) -> None:
        """Mark [start, end) shared from ``since`` (already shared parts keep their origin)."""
        cursor = start
        for piece in list(self._overlapping(start, end)):
            if piece.start > cursor:
                self._insert(_Shared(cursor, piece.start, line, since, phase))
            cursor = max(cursor, piece.end)
        if cursor < end:
            self._insert(_Shared(cursor, end, line, since, phase))

    def make_private(self, start: int, end: int, until: float | None) -> Iterator[Episode]:
        """Cut [start, end) out of the shared ranges, yielding what stopped being shared."""
        for piece in list(self._overlapping(start, end)):
            self._remove(piece)
            low, high = max(piece.start, start), min(piece.end, end)
            if piece.start < low:
                self._insert(_Shared(piece.start, low, piece.line, piece.since, piece.phase))
            if high < piece.end:
                self._insert(_Shared(high, piece.end, piece.line, piece.since, piece.phase))
            yield Episode(low, high, piece.line, piece.since, until, piece.phase)

    def open_episodes(self) -> Iterator[Episode]:
        """The ranges still shared, as episodes without an end."""
        for piece in self._ranges:
            yield Episode(piece.start, piece.end, piece.line, piece.since, None, piece.phase)

    def _overlapping(self, start: int, end: int) -> Iterator[_Shared]:
        index = max(0, bisect.bisect_right(self._starts, start) - 1)
        for piece in self._ranges[index:]:
            if piece.start >= end:
                break
            if piece.end > start:
                yield piece

    def _insert(self, piece: _Shared) -> None:
        index = bisect.bisect_left(self._starts, piece.start)
        self._ranges.insert(index, piece)
        self._starts.insert(index, piece.start)
        self.shared_bytes += piece.end - piece.start

    def _remove(self, piece: _Shared) -> None:
        index = bisect.bisect_left(self._starts, piece.start)
        del self._ranges[index]
        del self._starts[index]
        self.shared_bytes -= piece.end - piece.start
