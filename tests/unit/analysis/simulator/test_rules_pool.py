"""POOL-001 (exhaustion -> legacy fallback) and POOL-002 (one slot, two live mappings)."""

from __future__ import annotations

from app.analysis import model as m
from app.analysis.rules.pool import RULES
from app.analysis.simulator.pool import pool_layout

from .factories import POOL_BASE, BootLog, by_rule, rule_ids, run


def test_pool_rules_declared():
    assert [r.rule_id for r in RULES] == ["POOL-001", "POOL-002"]


def test_pool_001_fires_when_range_is_full():
    b = BootLog()
    b.pool_init()
    live = [b.map("Read", 0x7F000000 + i * 0x1000, 0x200, pool=True) for i in range(4)]
    extra = b.map("Read", 0x7F100000, 0x200)  # legacy: ReservedMemBitmap=0
    result, findings = run(b.events)
    (f,) = by_rule(findings, "POOL-001")
    assert f.key == "4K" and f.details["model_full"] is True
    assert result.summary["pool"]["fallbacks"] == 1
    assert live and extra


def test_pool_001_not_when_slot_free_or_request_too_big():
    b = BootLog()
    b.pool_init()
    mp = b.map("Read", 0x7F000000, 0x200, pool=True)
    b.unmap(mp)
    b.map("Read", 0x7F000000, 0x200, pool=True)
    b.map("Write", 0x7F000000, 513 * 0x1000)  # > 512 pages: legacy by design
    _, findings = run(b.events)
    assert "POOL-001" not in rule_ids(findings)


def test_pool_001_common_buffer_allocation_fallback():
    b = BootLog()
    b.pool_init()
    for _ in range(8):
        b.allocate(1, pool=True)  # 2 pages each: the 32K range has 8 slots
    b.allocate(1, 0x7E800000)  # the 9th comes from AllocatePages
    _, findings = run(b.events)
    (f,) = by_rule(findings, "POOL-001")
    assert f.key == "32K" and f.details["operation"] == "CommonBuffer"


def test_pool_002_same_2m_slot_for_two_live_mappings():
    b = BootLog()
    b.pool_init()
    slot = [s for s in pool_layout(POOL_BASE) if s.bit == 15][0]
    for i in range(2):  # pre-202511 mask bug: both get slot bit 15, bitmap stays 0x8000
        b.add(m.IoMmuMapRequest, operation="Write", host=0x7F000000 + i * 0x200000, bytes=0x200000)
        b.add(
            m.PoolSlotTaken,
            range_size=0x200000,
            address=slot.data,
            pages=0x200,
            bits=0x8000,
            bitmap_before=0x8000 * i,
            bitmap_after=0x8000,
        )
        b.add(
            m.IoMmuMapResult,
            mapping=0x7F6B0000 + i,
            device_address=slot.data,
            crypted=0x7F000000 + i * 0x200000,
            pages=0x200,
            reserved_bitmap=0x8000,
        )
    _, findings = run(b.events)
    (f,) = by_rule(findings, "POOL-002")
    assert f.key == "2M"
    assert f.lines == (b.events[-2].line,)


def test_pool_002_not_for_sequential_reuse_or_fixed_firmware():
    b = BootLog()
    b.pool_init()
    a = b.map("Write", 0x7F000000, 0x200000, pool=True)
    c = b.map("Write", 0x7F200000, 0x200000, pool=True)  # fixed masks: the second 2M slot
    b.unmap(a)
    b.unmap(c)
    b.map("Write", 0x7F000000, 0x200000, pool=True)  # slot reused after free
    _, findings = run(b.events)
    assert "POOL-002" not in rule_ids(findings)
