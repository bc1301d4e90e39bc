"""PAGE-001..004: double conversions, log vs model disagreements, shared pages at hand-off."""

from __future__ import annotations

from app.analysis import model as m
from app.analysis.model import LabelledRange, PageState
from app.analysis.rules.pagestate import RULES

from .factories import BootLog, by_rule, rule_ids, run, run_with_boot

BOUNCE = 0x60000000


def test_page_rules_declared():
    assert [r.rule_id for r in RULES] == [f"PAGE-00{i}" for i in range(1, 5)]


def test_legacy_map_unmap_with_logged_lines_is_clean():
    b = BootLog()
    for _ in range(3):  # same bounce pages toggle shared <-> private
        mp = b.map("Write", 0x7F000000, 0x2000, device=BOUNCE, logged=True)
        b.unmap(mp, convert=(BOUNCE, 2))
    result, findings = run(b.events)
    assert findings == []
    assert result.summary["transitions"]["count"] == 6
    assert result.summary["transitions"]["implied"] == 0
    assert result.summary["shared_pages_at_end"] == 0


def test_page_001_decrypt_of_shared_pages():
    b = BootLog()
    b.map("Write", 0x7F000000, 0x1000, device=BOUNCE, logged=True)
    b.map("Write", 0x7F100000, 0x1000, device=BOUNCE, logged=True)  # same bounce page, live
    _, findings = run(b.events)
    (f,) = by_rule(findings, "PAGE-001")
    assert f.key == "IoMmuDxe:shared" and f.details["pages"] == 1


def test_page_002_encrypt_of_private_pages():
    b = BootLog()
    b.convert(0x1000000, 4, shared=False, module="PlatformPei")
    b.convert(0x1002000, 4, shared=False, module="PlatformPei")  # overlaps 2 pages
    _, findings = run(b.events)
    (f,) = by_rule(findings, "PAGE-002")
    assert f.details["pages"] == 2 and f.key == "PlatformPei:private"


def test_page_003_logged_range_differs_from_bounce_buffer():
    b = BootLog()
    b.add(m.IoMmuMapRequest, operation="Read", host=0x7F000000, bytes=0x1000)
    b.convert(BOUNCE + 0x5000, 1, shared=True)  # not the bounce buffer below
    b.add(
        m.IoMmuMapResult,
        mapping=1,
        device_address=BOUNCE,
        crypted=0x7F000000,
        pages=1,
        reserved_bitmap=0,
    )
    _, findings = run(b.events)
    (f,) = by_rule(findings, "PAGE-003")
    assert f.key == "unattributed:wrong-range"
    assert f.lines == (1, 2, 3)  # request, the logged wrong range, result
    assert f.details["logged_elsewhere"] == [f"{BOUNCE + 0x5000:#x}-{BOUNCE + 0x6000:#x}"]


def test_page_003_not_for_info_level_logs_implied_transitions_applied():
    b = BootLog()
    mp = b.map("Write", 0x7F000000, 0x3000, device=BOUNCE)  # no conversion lines anywhere
    b.other()
    result, findings = run(b.events)
    assert findings[0].rule_id == "IOMMU-001"  # never unmapped: end of log
    assert "PAGE-003" not in rule_ids(findings)
    assert result.summary["transitions"]["implied"] == 1
    assert result.summary["encryption_lines_logged"] is False
    assert result.timeline["shared_pages"]["points"][-1]["last"] == 3
    assert mp


def test_page_003_snp_psc_line_is_not_a_second_conversion():
    b = BootLog()
    b.add(m.IoMmuMapRequest, operation="Read", host=0x7F000000, bytes=0x1000)
    b.convert(BOUNCE, 1, shared=True)
    b.add(
        m.PageStateChange,
        module="IoMmuDxe",
        start=BOUNCE,
        end=BOUNCE + 0x1000,
        shared=True,
        large=False,
    )
    b.add(
        m.IoMmuMapResult,
        mapping=1,
        device_address=BOUNCE,
        crypted=0x7F000000,
        pages=1,
        reserved_bitmap=0,
    )
    b.unmap(1, convert=(BOUNCE, 1))
    b.add(m.PageSplit, module="IoMmuDxe", physical=BOUNCE, what="2MB")
    b.add(
        m.PageStateChange,
        module="IoMmuDxe",
        start=BOUNCE,
        end=BOUNCE + 0x1000,
        shared=False,
        large=False,
    )
    b.other()
    result, findings, boot = run_with_boot(b.events)
    assert findings == []
    assert boot.platform.value == "sev-snp"


def test_page_003_tdx_pool_init_and_release_match():
    b = BootLog()
    b.add(m.TdxSharedBitMask, mask=1 << 51)
    b.pool_init(logged=True, sev=False)
    mp = b.map("Read", 0x7F000000, 0x200, pool=True)
    b.unmap(mp)
    b.exit_boot()
    from app.analysis.simulator.pool import pool_layout

    for slot in pool_layout(0x7E000000):
        b.convert(slot.data, (slot.data_end - slot.data) // 0x1000, shared=False, sev=False)
    b.other()
    result, findings, boot = run_with_boot(b.events)
    assert findings == []
    assert boot.platform.value == "tdx"
    assert result.summary["shared_pages_at_handoff"] == 0
    assert result.address_space["handoff"]["line"] == b.events[-1].line


def test_page_003_pool_release_missing_when_lines_logged():
    b = BootLog()
    b.pool_init(logged=True)
    b.exit_boot()
    b.other()
    _, findings = run(b.events)
    (f,) = by_rule(findings, "PAGE-003")
    assert f.key == "IoMmuDxe:pool-release:missing" and f.count == 17


def test_page_004_shared_pages_left_at_handoff():
    b = BootLog()
    b.add(m.SevEsGhcb, pages=4, base=0x3FF4C000, backup=False)
    b.pool_init()
    mp = b.map("Write", 0x7F000000, 0x2000, device=BOUNCE, logged=True)
    b.unmap(mp)  # logged re-encryption missing -> PAGE-003, implied keeps the map right
    b.add(m.IoMmuMapRequest, operation="Read", host=0x7F000000, bytes=0x1000)
    b.convert(0x61000000, 1, shared=True)  # logged before the result, matched by it
    b.add(
        m.IoMmuMapResult,
        mapping=2,
        device_address=0x61000000,
        crypted=0x7F000000,
        pages=1,
        reserved_bitmap=0,
    )
    b.exit_boot()
    b.unmap(2, locked=True)  # re-encryption not logged: implied
    b.message("VirtioRngExitBoot", "Context=0x7E5C1018")
    b.other()
    result, findings = run(
        b.events, seeds=[LabelledRange(0x800000, 0x809000, PageState.PRIVATE, "SNP_SEC_MEM")]
    )
    assert "PAGE-004" not in rule_ids(findings)  # GHCBs and pool are expected
    # now leave a legacy bounce buffer shared without any teardown line
    b = BootLog()
    b.map("Write", 0x7F000000, 0x2000, device=BOUNCE, logged=True)
    b.message("VirtioRngExitBoot", "Context=0x7E5C1018")
    b.other()
    result, findings = run(b.events)
    (f,) = by_rule(findings, "PAGE-004")
    assert f.details["pages"] == 2
    assert f.key == "unattributed"
    assert result.summary["shared_pages_at_handoff"] == 2
    assert result.address_space["handoff"]["ranges"][0]["state"] == "shared"
