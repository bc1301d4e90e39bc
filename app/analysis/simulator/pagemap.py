"""Guest-physical page state held as intervals, so a 1 TiB guest costs what a 1 GiB one does.

The map stores only *known* ranges (private, shared, unaccepted) as disjoint, coalesced
half-open intervals ``[start, end)`` keyed by start address in a ``SortedList``; everything not
covered is ``UNKNOWN``. Each ``set_range`` touches ``O(log n + k)`` intervals where ``k`` is the
number of pieces it overwrites, and page counts per state are kept incrementally, so asking
"how many pages are shared right now" is O(1) on the hot path of the replay.
"""

from __future__ import annotations

from collections.abc import Iterator

from sortedcontainers import SortedList

from app.analysis.model import PAGE_SIZE, PageState

PAGE_SHIFT = 12
#: Upper bound of the modelled address space (52-bit MAXPHYADDR), for ``count(UNKNOWN)``.
ADDRESS_LIMIT = 1 << 52

_UNKNOWN = PageState.UNKNOWN
Piece = tuple[int, int, PageState]


def align_range(start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole pages (callers log page-aligned values; be safe)."""
    return start & ~(PAGE_SIZE - 1), (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


class PageMap:
    """Interval map from guest-physical address to ``PageState``."""

    __slots__ = ("_starts", "_iv", "_pages")

    def __init__(self) -> None:
        self._starts: SortedList = SortedList()
        self._iv: dict[int, tuple[int, PageState]] = {}
        self._pages: dict[PageState, int] = {s: 0 for s in PageState if s is not _UNKNOWN}

    def __len__(self) -> int:
        """Number of stored intervals (what memory use is proportional to)."""
        return len(self._iv)

    def count(self, state: PageState) -> int:
        """Pages currently in ``state``; ``UNKNOWN`` is the rest of the 52-bit space."""
        if state is _UNKNOWN:
            return (ADDRESS_LIMIT >> PAGE_SHIFT) - sum(self._pages.values())
        return self._pages[state]

    def state_at(self, address: int) -> PageState:
        starts = self._starts
        i = starts.bisect_right(address) - 1
        if i < 0:
            return _UNKNOWN
        end, state = self._iv[starts[i]]
        return state if address < end else _UNKNOWN

    def ranges(self) -> Iterator[Piece]:
        """Known ranges in address order (gaps are ``UNKNOWN`` and not yielded)."""
        iv = self._iv
        for start in self._starts:
            end, state = iv[start]
            yield start, end, state

    def pieces(self, start: int, end: int) -> list[Piece]:
        """The pieces covering ``[start, end)``, gaps included as ``UNKNOWN``; no change."""
        start, end = align_range(start, end)
        return self._collect(start, end)[0]

    def set_range(self, start: int, end: int, state: PageState) -> list[Piece]:
        """Set ``[start, end)`` (widened to pages) to ``state``; return the previous pieces,
        clipped to the range, gaps included as ``UNKNOWN``."""
        start, end = align_range(start, end)
        if end <= start:
            return []
        starts = self._starts
        iv = self._iv
        # Fast path: the whole range already lies inside one interval of the same state.
        i = starts.bisect_right(start) - 1
        if i >= 0:
            s0 = starts[i]
            e0, st0 = iv[s0]
            if st0 is state and e0 >= end:
                return [(start, end, state)]
        previous, covered = self._collect(start, end)
        pages = self._pages
        for s, e, st in covered:
            del iv[s]
            starts.remove(s)
            if st is not _UNKNOWN:
                pages[st] -= (e - s) >> PAGE_SHIFT
            if s < start:
                self._put(s, start, st)
            if e > end:
                self._put(end, e, st)
        if state is not _UNKNOWN:
            self._insert_coalesced(start, end, state)
        return previous

    def _collect(self, start: int, end: int) -> tuple[list[Piece], list[Piece]]:
        """(clipped previous pieces incl. gaps, whole stored intervals overlapping)."""
        starts = self._starts
        iv = self._iv
        previous: list[Piece] = []
        covered: list[Piece] = []
        i = starts.bisect_right(start) - 1
        if i < 0 or iv[starts[i]][0] <= start:
            i += 1
        cursor = start
        n = len(starts)
        while i < n:
            s = starts[i]
            if s >= end:
                break
            e, st = iv[s]
            if s > cursor:
                previous.append((cursor, s, _UNKNOWN))
            previous.append((max(s, start), min(e, end), st))
            covered.append((s, e, st))
            cursor = e
            i += 1
        if cursor < end:
            previous.append((cursor, end, _UNKNOWN))
        return previous, covered

    def _put(self, start: int, end: int, state: PageState) -> None:
        self._iv[start] = (end, state)
        self._starts.add(start)
        self._pages[state] += (end - start) >> PAGE_SHIFT

    def _insert_coalesced(self, start: int, end: int, state: PageState) -> None:
        starts = self._starts
        iv = self._iv
        pages = self._pages
        i = starts.bisect_left(start) - 1
        if i >= 0:
            ls = starts[i]
            le, lst = iv[ls]
            if le == start and lst is state:
                del iv[ls]
                del starts[i]
                pages[state] -= (le - ls) >> PAGE_SHIFT
                start = ls
        right = iv.get(end)
        if right is not None and right[1] is state:
            del iv[end]
            starts.remove(end)
            pages[state] -= (right[0] - end) >> PAGE_SHIFT
            end = right[0]
        self._put(start, end, state)
