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
_SHARED = PageState.SHARED
_PRIVATE = PageState.PRIVATE
_UNACCEPTED = PageState.UNACCEPTED
_PAGE_MASK = ~(PAGE_SIZE - 1)
Piece = tuple[int, int, PageState]


def align_range(start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole pages (callers log page-aligned values; be safe)."""
    return start & ~(PAGE_SIZE - 1), (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


class PageMap:
    """Interval map from guest-physical address to ``PageState``."""

    __slots__ = ("_starts", "_iv", "counts")

    def __init__(self) -> None:
        self._starts: SortedList = SortedList()
        self._iv: dict[int, tuple[int, PageState]] = {}
        #: pages per state: [shared, private, unaccepted]; read-only for callers (hot path)
        self.counts = [0, 0, 0]

    def __len__(self) -> int:
        """Number of stored intervals (what memory use is proportional to)."""
        return len(self._iv)

    def count(self, state: PageState) -> int:
        """Pages currently in ``state``; ``UNKNOWN`` is the rest of the 52-bit space."""
        if state is _SHARED:
            return self.counts[0]
        if state is _PRIVATE:
            return self.counts[1]
        if state is _UNACCEPTED:
            return self.counts[2]
        return (ADDRESS_LIMIT >> PAGE_SHIFT) - sum(self.counts)

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
        start &= _PAGE_MASK
        end = (end + PAGE_SIZE - 1) & _PAGE_MASK
        if end <= start:
            return []
        starts = self._starts
        iv = self._iv
        i = starts.bisect_right(start) - 1
        if i >= 0:
            s0 = starts[i]
            e0, st0 = iv[s0]
            if e0 >= end:
                # Fast path: the range lies inside one stored interval.
                if st0 is state:
                    return [(start, end, state)]
                n = (end - start) >> PAGE_SHIFT
                if s0 == start and e0 == end and state is not _UNKNOWN:
                    self._replace(i, start, end, st0, state, n)
                    return [(start, end, st0)]
                if s0 < start:
                    iv[s0] = (start, st0)
                else:
                    del iv[s0]
                    del starts[i]
                if e0 > end:
                    iv[end] = (e0, st0)
                    starts.add(end)
                self._adjust(st0, -n)
                if state is not _UNKNOWN:
                    self._insert_coalesced(start, end, state)
                return [(start, end, st0)]
        previous, covered = self._collect(start, end)
        for s, e, st in covered:
            del iv[s]
            starts.remove(s)
            self._adjust(st, -((e - s) >> PAGE_SHIFT))
            if s < start:
                self._put(s, start, st)
            if e > end:
                self._put(end, e, st)
        if state is not _UNKNOWN:
            self._insert_coalesced(start, end, state)
        return previous

    def _replace(
        self, i: int, start: int, end: int, old: PageState, state: PageState, n: int
    ) -> None:
        """Change the state of stored interval ``i`` in place (a bounce buffer flipping
        between private and shared), then merge with equal-state neighbours."""
        iv = self._iv
        starts = self._starts
        self._adjust(old, -n)
        self._adjust(state, n)
        right = iv.get(end)
        if right is not None and right[1] is state:
            del iv[end]
            starts.remove(end)
            end = right[0]
        iv[start] = (end, state)
        if i > 0:
            ls = starts[i - 1]
            le, lst = iv[ls]
            if le == start and lst is state:
                iv[ls] = (end, state)
                del iv[start]
                del starts[i]

    def _adjust(self, state: PageState, pages: int) -> None:
        """Counts live in a list indexed by identity checks: enum hashing is slow."""
        if state is _SHARED:
            self.counts[0] += pages
        elif state is _PRIVATE:
            self.counts[1] += pages
        elif state is _UNACCEPTED:
            self.counts[2] += pages

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
        self._adjust(state, (end - start) >> PAGE_SHIFT)

    def _insert_coalesced(self, start: int, end: int, state: PageState) -> None:
        starts = self._starts
        iv = self._iv
        self._adjust(state, (end - start) >> PAGE_SHIFT)  # neighbours are counted already
        right = iv.get(end)
        if right is not None and right[1] is state:
            del iv[end]
            starts.remove(end)
            end = right[0]
        i = starts.bisect_left(start) - 1
        if i >= 0:
            ls = starts[i]
            le, lst = iv[ls]
            if le == start and lst is state:
                # Extend the left neighbour in place: no change to the sorted starts.
                iv[ls] = (end, state)
                return
        iv[start] = (end, state)
        starts.add(start)
