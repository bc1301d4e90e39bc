"""Pool slot layout and bitmap algorithm, including the pre-202511 1M/2M mask bug."""

from __future__ import annotations

import re

from app.synth import DeviceSpec, Workload
from app.synth.pool import TOTAL_PAGES, ReservedPool

from .conftest import Synthesized, synthesize

B = 0x7E000000


def test_pool_layout_matches_reference() -> None:
    pool = ReservedPool(B, "202402")
    assert TOTAL_PAGES == 1429 == 0x595
    assert pool.end == B + 0x595000
    assert pool.range_starts == (B, B + 0x8000, B + 0x50000, B + 0x92000, B + 0x193000)
    areas = pool.data_areas()
    assert len(areas) == 17
    assert areas[0] == (B + 0x1000, 1)
    assert areas[4] == (B + 0x9000, 8)
    assert areas[5][0] == B + 0x8000 + 0x9000 + 0x1000
    assert areas[14] == (B + 0x93000, 256)
    assert areas[15] == (B + 0x194000, 512)
    assert areas[16] == (B + 0x193000 + 0x201000 + 0x1000, 512)


def test_pool_picks_smallest_range_and_lowest_bit() -> None:
    pool = ReservedPool(B, "202511")
    first = pool.allocate(2)  # CommonBuffer of 1 page asks for 2 -> 32K range
    assert first is not None
    assert (first.range_size, first.start, first.bit, first.old, first.new) == (
        0x8000,
        B + 0x9000,
        0x10,
        0,
        0x10,
    )
    second = pool.allocate(1)
    assert second is not None and (second.start, second.bit, second.new) == (B + 0x1000, 1, 0x11)
    assert pool.allocate(513) is None  # more than 512 pages: legacy
    assert pool.release(0x10) == (0x11, 0x1)


def test_pool_fixed_masks_fall_back_when_range_full() -> None:
    pool = ReservedPool(B, "202511")
    a, b = pool.allocate(300), pool.allocate(300)
    assert a is not None and b is not None and a.start != b.start
    assert pool.allocate(300) is None
    one = pool.allocate(100)
    assert one is not None and pool.allocate(100) is None


def test_pool_buggy_masks_hand_out_the_same_slot() -> None:
    pool = ReservedPool(B, "202305")
    a, b = pool.allocate(256), pool.allocate(256)
    assert a is not None and b is not None
    assert a.start == b.start == B + 0x93000
    assert (a.bit, b.bit, b.old, b.new) == (0x4000, 0x4000, 0x4000, 0x4000)


def test_pool_synthesized_slots_follow_layout(demos: dict[str, Synthesized]) -> None:
    s = demos["sev-snp-pool-virtio-blk"]
    base = int(re.search(r"address = 0x([0-9A-F]+)", "\n".join(s.lines)).group(1), 16)  # type: ignore[union-attr]
    pool = ReservedPool(base, "202402")
    valid = {addr for addr, _ in pool.data_areas()}
    starts = [
        int(m.group(1), 16)
        for x in s.lines
        if (m := re.match(r"InternalAllocateBuffer: .*start-address=0x([0-9A-F]+)", x))
    ]
    assert starts and set(starts) <= valid
    decrypts = [x for x in s.lines if "Mode=Decrypt" in x]
    assert len(decrypts) >= 17


def test_pool_duplicate_slot_demo_records_pool_002(demos: dict[str, Synthesized]) -> None:
    s = demos["tdx-pool-duplicate-slot-bug"]
    faults = [f for f in s.truth.faults if f.rule_id == "POOL-002"]
    assert len(faults) == 1
    request, internal = faults[0].lines
    assert s.line(request).startswith("IoMmuMap: Operation=Write")
    assert s.line(internal).startswith("InternalAllocateBuffer: range-size: 100000, start-address=")
    starts = [
        x.split("start-address=")[1].split(",")[0] for x in s.lines if "range-size: 100000" in x
    ]
    assert len(starts) == 2 and starts[0] == starts[1]


def test_pool_exhaustion_falls_back_to_legacy(demos: dict[str, Synthesized]) -> None:
    s = demos["sev-es-pool-exhaustion"]
    faults = [f for f in s.truth.faults if f.rule_id == "POOL-001"]
    assert len(faults) == 1
    request = faults[0].lines[0]
    assert s.line(request).startswith("IoMmuMap: Operation=Write")
    assert s.line(request + 1).startswith("IoMmuDxe:SetMemoryEncDec:")
    mapping = next(m for m in s.truth.mappings if m.request_line == request)
    assert mapping.path == "legacy"
    assert s.line(mapping.result_line).endswith("ReservedMemBitmap=0x0")


def test_pool_off_on_new_release_has_no_pool_lines() -> None:
    w = Workload("p", 1, "sev", "202402", False, (DeviceSpec("virtio-blk", "00:03.0", 2),))
    s = synthesize(w)
    assert not any(x.startswith(("InternalAllocate", "IoMmuInitReserved")) for x in s.lines)
    assert all(m.path == "legacy" for m in s.truth.mappings)
