"""IOMMU-001..007: each fires, does not fire on the correct idiom, and an edge case."""

from __future__ import annotations

from app.analysis import model as m
from app.analysis.rules.iommu import RULES

from .factories import GIB, BootLog, by_rule, rule_ids, run

RING = 0x7E100000


def blk_boot() -> BootLog:
    b = BootLog()
    b.pci(3, 0x1042)
    b.protocol("FA920010-6785-4941-B6EC-498C579F160A")
    return b


def test_rules_declared_with_fixed_ids():
    assert [r.rule_id for r in RULES] == [f"IOMMU-00{i}" for i in range(1, 8)]
    assert all(r.explanation and r.advice and r.title for r in RULES)


def test_iommu_001_one_shot_mapping_live_at_exit_boot():
    b = blk_boot()
    ring = b.allocate(3, RING)
    b.map("CommonBuffer", ring, 0x3000)
    b.message("VirtioBlkInit", "LbaSize=0x200[B]")
    leaked = b.map("Read", 0x7F6A5018, 16)
    b.exit_boot()
    b.unmap(leaked, locked=True)
    _, findings = run(b.events)
    (f,) = by_rule(findings, "IOMMU-001")
    assert f.key == "virtio-blk 00:03.0:Read"
    assert f.details["when"] == "exit-boot-services"
    assert f.lines == (b.events[7].line,)  # the request line of the leaked map


def test_iommu_001_not_for_rings_torn_down_at_exit_boot():
    b = blk_boot()
    ring = b.allocate(3, RING)
    mp = b.map("CommonBuffer", ring, 0x3000)
    h = b.map("Read", 0x7F6A5018, 16)
    b.unmap(h)
    b.exit_boot()
    b.unmap(mp, locked=True)
    result, findings = run(b.events)
    assert "IOMMU-001" not in rule_ids(findings)
    assert result.summary["live_at_ebs"] == 1


def test_iommu_001_end_of_log_is_low_severity():
    b = blk_boot()
    b.map("Write", 0x7F000000, 0x1000)
    _, findings = run(b.events)
    (f,) = by_rule(findings, "IOMMU-001")
    assert f.details["when"] == "end-of-log"
    assert f.severity.label == "low"


def test_iommu_002_unknown_mapping():
    b = BootLog()
    b.unmap(0xDEADBEEF)
    _, findings = run(b.events)
    assert rule_ids(findings) == ["IOMMU-002"]
    assert by_rule(findings, "IOMMU-002")[0].key == "unmap"


def test_iommu_003_double_unmap_and_not_after_reuse():
    b = BootLog()
    mp = b.map("Read", 0x7F6A5018, 16)
    b.unmap(mp)
    b.unmap(mp)
    _, findings = run(b.events)
    assert rule_ids(findings) == ["IOMMU-003"]
    # MAP_INFO pool memory is reused by the next Map: a new mapping at the same address is fine
    b = BootLog()
    mp = b.map("Read", 0x7F6A5018, 16)
    b.unmap(mp)
    b.map("Read", 0x7F6A5018, 16, mapping=mp)
    b.unmap(mp)
    _, findings = run(b.events)
    assert findings == []


def test_iommu_004_free_while_mapped():
    b = BootLog()
    buf = b.allocate(1, 0x7E200000)
    b.map("CommonBuffer", buf, 1)
    b.free(buf, 1)
    _, findings = run(b.events)
    assert "IOMMU-004" in rule_ids(findings)
    b = BootLog()
    buf = b.allocate(1, 0x7E200000)
    mp = b.map("CommonBuffer", buf, 1)
    b.unmap(mp)
    b.free(buf, 1)
    _, findings = run(b.events)
    assert findings == []


def test_iommu_005_free_unknown_and_double_free():
    b = BootLog()
    b.free(0x7E300000, 1)
    _, findings = run(b.events)
    assert rule_ids(findings) == ["IOMMU-005"]
    b = BootLog()
    buf = b.allocate(1, 0x7E200000)
    b.free(buf, 1)
    b.free(buf, 1)
    _, findings = run(b.events)
    (f,) = by_rule(findings, "IOMMU-005")
    assert f.count == 1


def test_iommu_006_common_buffer_not_from_allocate_buffer():
    b = BootLog()
    b.map("CommonBuffer", 0x7F123000, 0x1000)
    _, findings = run(b.events)
    assert "IOMMU-006" in rule_ids(findings)
    b = BootLog()
    buf = b.allocate(1, 0x7F123000)
    b.map("CommonBuffer", buf + 0x10, 0x10)  # inside the buffer, but not its start
    _, findings = run(b.events)
    assert "IOMMU-006" in rule_ids(findings)


def test_iommu_007_common_buffer_and_bounce_above_4g():
    b = BootLog()
    buf = b.allocate(1, 4 * GIB + 0x1000)
    # the 32-bit CommonBuffer map fails with EFI_UNSUPPORTED: a request, no result line
    b.add(m.IoMmuMapRequest, operation="CommonBuffer", host=buf, bytes=0x1000)
    b.free(buf, 1)
    _, findings = run(b.events)
    assert rule_ids(findings) == ["IOMMU-007"]
    b = BootLog()
    b.map("Write", 0x7F000000, 0x2000, device=4 * GIB - 0x1000)  # straddles 4 GiB
    b.map("Read64", 0x7F000000, 0x2000, device=8 * GIB)  # 64-bit: allowed
    _, findings = run(b.events)
    (f,) = by_rule(findings, "IOMMU-007")
    assert f.key.endswith(":Write")


def test_iommu_007_not_below_4g_edge():
    b = BootLog()
    b.map("Read", 0x7F000000, 0x1000, device=4 * GIB - 0x1000)  # ends exactly at 4 GiB
    _, findings = run(b.events)
    assert "IOMMU-007" not in rule_ids(findings)
