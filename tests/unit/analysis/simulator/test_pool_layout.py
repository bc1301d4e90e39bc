"""Slot layout of the IoMmuDxe reserved pool (IoMmuBuffer.c, mReservedMemRanges)."""

from __future__ import annotations

import pytest

from app.analysis.simulator.pool import (
    POOL_PAGES,
    POOL_SIZE,
    SLOT_COUNT,
    PoolModel,
    base_from_slot,
    pool_layout,
    range_for_pages,
)

B = 0x7E000000


def test_pool_size_is_1429_pages():
    assert POOL_PAGES == 1429 == 0x595
    assert POOL_SIZE == 0x595000
    assert SLOT_COUNT == 17


def test_pool_layout_range_starts_and_strides():
    slots = pool_layout(B)
    assert [s.bit for s in slots] == list(range(17))
    headers = {s.bit: s.header for s in slots}
    assert headers[0] == B and headers[1] == B + 0x2000  # 4K range, stride 0x2000
    assert headers[4] == B + 0x8000 and headers[5] == B + 0x8000 + 0x9000
    assert headers[12] == B + 0x50000 and headers[13] == B + 0x50000 + 0x21000
    assert headers[14] == B + 0x92000
    assert headers[15] == B + 0x193000 and headers[16] == B + 0x193000 + 0x201000
    assert slots[-1].data_end == B + 0x595000
    for s in slots:
        assert s.data == s.header + 0x1000
        assert s.data_end - s.data == s.range.data_size


@pytest.mark.parametrize(
    ("pages", "label"),
    [
        (1, "4K"),
        (2, "32K"),
        (8, "32K"),
        (9, "128K"),
        (32, "128K"),
        (33, "1M"),
        (256, "1M"),
        (257, "2M"),
        (512, "2M"),
        (513, None),
        (0, None),
    ],
)
def test_range_for_pages_boundaries(pages, label):
    rng = range_for_pages(pages)
    assert (rng.label if rng else None) == label


def test_base_from_slot_inverts_layout():
    for slot in pool_layout(B):
        assert base_from_slot(slot.data, 1 << slot.bit) == B
    assert base_from_slot(B + 0x1000, 0b11) is None  # not a single bit
    assert base_from_slot(B + 0x1000, 1 << 20) is None  # no such slot


def test_pool_model_take_free_and_full():
    pool = PoolModel(B)
    four_k = [s for s in pool.slots if s.range.label == "4K"]
    for i, slot in enumerate(four_k):
        assert pool.take(slot, f"owner{i}") is None
    assert pool.is_full(four_k[0].range)
    assert pool.bitmap == 0xF and pool.peak_used == 4
    assert pool.take(four_k[0], "again") == "owner0"
    pool.free(0)
    assert not pool.is_full(four_k[0].range)
    assert pool.contains(B + 0x594FFF) and not pool.contains(B + 0x595000)
