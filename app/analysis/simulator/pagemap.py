"""Guest-physical page state held as intervals, so a 1 TiB guest costs what a 1 GiB one does.

The map stores only *known* ranges (private, shared, unaccepted) as disjoint, coalesced
half-open intervals ``[start, end)``; everything not covered is ``UNKNOWN``. Interval starts
live in ``SortedKeys`` (``O(log n)`` search and update), and two dicts map each start to
``(end, state)`` and each end back to its start. The dicts make the commonest operation - a
bounce buffer flipping between private and shared at the same address - a couple of hash
lookups: an exact hit on a stored interval changes its state in place and merges neighbours
found through ``start``/``end`` keys, without touching the sorted list. Page counts per state
are kept incrementally, so "how many pages are shared right now" is O(1).
"""

from __future__ import annotations

from collections.abc import Iterator

from app.analysis.model import PAGE_SIZE, PageState
from app.analysis.simulator.sortedkeys import SMALL_LIMIT, SortedKeys

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
    return start & _PAGE_MASK, (end + PAGE_SIZE - 1) & _PAGE_MASK


class PageMap:
    """Interval map from guest-physical address to ``PageState``."""

    __slots__ = ("_starts", "_iv", "_ends", "counts")

    def __init__(self, *, small_limit: int = SMALL_LIMIT) -> None:
        self._starts = SortedKeys(small_limit)
        self._iv: dict[int, tuple[int, PageState]] = {}
        self._ends: dict[int, int] = {}
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
        hit = self._iv.get(start)
        if hit is not None and hit[0] == end:
            # Fast path: exactly one stored interval; change it in place.
            old = hit[1]
            if old is not state:
                n = (end - start) >> PAGE_SHIFT
                self._adjust(old, -n)
                self._drop(start)
                if state is not _UNKNOWN:
                    self._adjust(state, n)
                    self._link(start, end, state, True)
                else:
                    self._starts.remove(start)
            return [(start, end, old)]
        previous, covered = self._collect(start, end)
        if len(covered) == 1 and covered[0][2] is state and covered[0][0] <= start:
            if covered[0][1] >= end:
                return previous  # already entirely in ``state``
        starts = self._starts
        iv = self._iv
        ends = self._ends
        for s, e, st in covered:
            self._adjust(st, -((min(e, end) - max(s, start)) >> PAGE_SHIFT))
            if s < start:
                # Shrink in place to [s, start): ``s`` stays in the sorted list.
                iv[s] = (start, st)
                del ends[e]
                ends[start] = s
            else:
                self._drop(s)
                starts.remove(s)
            if e > end:
                iv[end] = (e, st)
                ends[e] = end
                starts.add(end)
        if state is not _UNKNOWN:
            self._adjust(state, (end - start) >> PAGE_SHIFT)
            self._link(start, end, state, False)
        return previous

    # -- internals --------------------------------------------------------------------------

    def _adjust(self, state: PageState, pages: int) -> None:
        """Counts live in a list indexed by identity checks: enum hashing is slow."""
        if state is _SHARED:
            self.counts[0] += pages
        elif state is _PRIVATE:
            self.counts[1] += pages
        elif state is _UNACCEPTED:
            self.counts[2] += pages

    def _drop(self, start: int) -> None:
        """Forget interval ``start`` in the dicts (the caller handles the sorted list)."""
        end = self._iv.pop(start)[0]
        del self._ends[end]

    def _link(self, start: int, end: int, state: PageState, listed: bool) -> None:
        """Store ``[start, end)`` (already counted), merging equal-state neighbours found by
        their touching ``end``/``start``. ``listed``: ``start`` is in the sorted list."""
        iv = self._iv
        ends = self._ends
        starts = self._starts
        right = iv.get(end)
        if right is not None and right[1] is state:
            self._drop(end)
            starts.remove(end)
            end = right[0]
        left = ends.get(start)
        if left is not None and iv[left][1] is state:
            self._drop(left)
            if listed:
                starts.remove(start)
            start = left
        elif not listed:
            starts.add(start)
        iv[start] = (end, state)
        ends[end] = start

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
