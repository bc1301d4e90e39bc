"""PageMap against a naive per-page dict model (hypothesis), plus scale and shape checks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.analysis.model import PAGE_SIZE, PageState
from app.analysis.simulator.pagemap import PageMap

STATES = list(PageState)
ops = st.lists(
    st.tuples(st.integers(0, 64), st.integers(1, 24), st.sampled_from(STATES)),
    max_size=60,
)


def naive_apply(pages: dict[int, PageState], first: int, count: int, state: PageState):
    previous = [pages.get(p, PageState.UNKNOWN) for p in range(first, first + count)]
    for p in range(first, first + count):
        if state is PageState.UNKNOWN:
            pages.pop(p, None)
        else:
            pages[p] = state
    return previous


def expand(pieces: list[tuple[int, int, PageState]]) -> list[PageState]:
    out = []
    for s, e, state in pieces:
        out.extend([state] * ((e - s) // PAGE_SIZE))
    return out


@settings(max_examples=300, deadline=None)
@given(ops, st.sampled_from([4096, 2]))
def test_pagemap_matches_per_page_model(operations, small_limit):
    """Both key stores: the plain list (default) and the SortedList a large map moves to."""
    pm = PageMap(small_limit=small_limit)
    naive: dict[int, PageState] = {}
    for first, count, state in operations:
        previous = pm.set_range(first * PAGE_SIZE, (first + count) * PAGE_SIZE, state)
        assert expand(previous) == naive_apply(naive, first, count, state)
        # previous pieces are contiguous and cover exactly the range
        assert previous[0][0] == first * PAGE_SIZE
        assert previous[-1][1] == (first + count) * PAGE_SIZE
        assert all(a[1] == b[0] for a, b in zip(previous, previous[1:], strict=False))
    for state in (PageState.SHARED, PageState.PRIVATE, PageState.UNACCEPTED):
        assert pm.count(state) == sum(1 for s in naive.values() if s is state)
    for p in range(0, 90):
        assert pm.state_at(p * PAGE_SIZE + 0x123) is naive.get(p, PageState.UNKNOWN)
    ranges = list(pm.ranges())
    # stored intervals are disjoint, sorted and coalesced (no equal-state neighbours)
    for (_s1, e1, st1), (s2, _e2, st2) in zip(ranges, ranges[1:], strict=False):
        assert e1 <= s2
        assert not (e1 == s2 and st1 is st2)
    assert (
        expand([(s, e, st) for s, e, st in ranges]) == [naive[p] for p in sorted(naive)]
        or not naive
    )


def test_pagemap_unaligned_range_is_widened_to_pages():
    pm = PageMap()
    previous = pm.set_range(0x1018, 0x1020, PageState.SHARED)
    assert previous == [(0x1000, 0x2000, PageState.UNKNOWN)]
    assert pm.state_at(0x1FFF) is PageState.SHARED
    assert pm.state_at(0x2000) is PageState.UNKNOWN
    assert pm.set_range(0x3000, 0x3000, PageState.SHARED) == []


def test_pagemap_cost_independent_of_guest_size():
    """A 1 TiB guest marked private is one interval, like a 1 GiB one."""
    small, huge = PageMap(), PageMap()
    small.set_range(0, 1 << 30, PageState.PRIVATE)
    huge.set_range(0, 1 << 40, PageState.PRIVATE)
    for pm in (small, huge):
        pm.set_range(0x10000000, 0x10001000, PageState.SHARED)
        assert len(pm) == 3
    assert huge.count(PageState.PRIVATE) == (1 << 28) - 1
    assert huge.count(PageState.SHARED) == 1


def test_pagemap_unknown_count_is_rest_of_address_space():
    pm = PageMap()
    total = pm.count(PageState.UNKNOWN)
    pm.set_range(0, 0x10000, PageState.SHARED)
    assert pm.count(PageState.UNKNOWN) == total - 16
    pm.set_range(0, 0x10000, PageState.UNKNOWN)
    assert len(pm) == 0 and pm.count(PageState.UNKNOWN) == total


def test_pagemap_pieces_does_not_change_map():
    pm = PageMap()
    pm.set_range(0x2000, 0x4000, PageState.PRIVATE)
    assert pm.pieces(0x1000, 0x5000) == [
        (0x1000, 0x2000, PageState.UNKNOWN),
        (0x2000, 0x4000, PageState.PRIVATE),
        (0x4000, 0x5000, PageState.UNKNOWN),
    ]
    assert list(pm.ranges()) == [(0x2000, 0x4000, PageState.PRIVATE)]
