"""Simulator as a whole, driven like the report does (the boot tracker decides the platform
and ExitBootServices and tells it): hand-off, result shapes."""

from __future__ import annotations

import json

import pytest

from app.analysis import model as m
from app.analysis.model import LabelledRange, PageState

from .factories import BootLog, run, run_with_boot


@pytest.mark.parametrize(
    ("events", "platform"),
    [
        ([(m.SevEnabled, {"mask": 1 << 51})], "sev"),
        (
            [
                (m.SevEnabled, {"mask": 1 << 51}),
                (m.SevEsGhcb, {"pages": 4, "base": 0x3FF4C000, "backup": False}),
            ],
            "sev-es",
        ),
        (
            [(m.SevEnabled, {"mask": 1 << 51}), (m.PlatformHint, {"name": "snp-known-apic-ids"})],
            "sev-snp",
        ),
        ([(m.TdxStarted, {"gpaw": 52, "cpus": 4})], "tdx"),
        ([(m.PlatformHint, {"name": "tdx-cc-attr", "value": 0x200})], "tdx"),
        ([], "unknown"),  # no evidence and the log never reached DXE
    ],
)
def test_platform_derived_from_events(events, platform):
    b = BootLog()
    for cls, fields in events:
        b.add(cls, **fields)
    result, _, boot = run_with_boot(b.events)
    assert boot.platform.value == platform
    assert "platform" not in result.summary  # the tracker owns it; the document has it once


def test_ghcb_pages_shared_and_labelled():
    b = BootLog()
    b.add(m.SevEsGhcb, pages=4, base=0x3FF4C000, backup=False)
    result, findings = run(b.events)
    assert findings == []
    assert result.summary["shared_pages_at_end"] == 2  # even pages only
    labels = result.address_space["labels"]
    assert labels == [{"start": 0x3FF4C000, "end": 0x3FF50000, "state": "shared", "label": "GHCB"}]


def test_info_level_ebs_from_virtio_exit_boot_takes_handoff_snapshot():
    b = BootLog()
    b.add(m.SevEnabled, mask=1 << 51)
    b.message("VirtioRngExitBoot", "Context=0x7E5C1018")
    b.other()  # first line after the teardown: hand-off
    b.other()
    result, _, boot = run_with_boot(b.events)
    assert boot.exit_boot_line == 2
    assert result.summary["handoff_line"] == 3
    assert result.address_space["end"]["line"] == 4


def test_accepting_all_memory_waits_for_iommu_teardown_in_verbose_logs():
    b = BootLog()
    mp = b.map("CommonBuffer", b.allocate(1, 0x7E200000), 0x1000, logged=True)
    b.add(m.PlatformHint, name="accepting-all-memory")
    ring2 = b.map("Read", 0x7F000000, 0x200, device=0x60000000, logged=True)  # still DMA
    b.unmap(ring2, convert=(0x60000000, 1))
    b.exit_boot()
    b.unmap(mp, locked=True, convert=(0x7E200000, 1))
    b.other()
    result, findings, boot = run_with_boot(b.events)
    assert findings == []
    assert result.summary["handoff_line"] == b.events[-1].line
    assert boot.platform.value == "sev-snp"


def test_unaccepted_memory_is_accepted_by_snp_accept_all_and_tdx_accept():
    b = BootLog()
    b.add(m.ResourceHob, resource_type=7, start=0x100000000, length=0x40000000)
    b.add(m.MemoryAccepted, start=0x100000000, end=0x100200000)
    result, _ = run(b.events)
    end = result.address_space["end"]
    assert end["unaccepted_pages"] == 0x40000 - 0x200 and end["private_pages"] == 0x200
    b.add(m.PlatformHint, name="accepting-all-memory")
    result, _ = run(b.events)
    assert result.address_space["end"]["unaccepted_pages"] == 0


def test_seeds_label_and_set_state():
    seeds = [
        LabelledRange(0x800000, 0x809000, PageState.PRIVATE, "SNP_SEC_MEM"),
        LabelledRange(0x80A000, 0x80B000, PageState.SHARED, "GHCB page"),
    ]
    b = BootLog()
    b.message("VirtioRngExitBoot", "Context=0x1")
    b.other()
    result, findings = run(b.events, seeds=seeds)
    assert findings == []  # a shared seed is expected at hand-off
    ranges = result.address_space["handoff"]["ranges"]
    assert [(r["state"], r["labels"]) for r in ranges] == [
        ("private", ["SNP_SEC_MEM"]),
        ("shared", ["GHCB page"]),
    ]


def test_device_stats_times_and_page_seconds():
    b = BootLog(clock=0.0)
    b.pci(3, 0x1042)
    b.protocol("FA920010-6785-4941-B6EC-498C579F160A")
    b.message("VirtioBlkInit", "LbaSize=0x200[B]")
    mp = b.map("Write", 0x7F000000, 0x3000, device=0x60000000)  # 3 pages
    b.other()
    b.other()
    b.unmap(mp)
    result, _ = run(b.events)
    (dev,) = result.devices
    assert dev["device"] == "virtio-blk 00:03.0"
    assert dev["peak_shared_pages"] == 3
    assert dev["shared_page_lines"] == 3 * 3
    assert dev["shared_page_seconds"] == pytest.approx(3 * 0.003)
    assert dev["bounce_bytes"] == 0x3000  # Write: copied back at unmap
    (life,) = result.timeline["lifetimes"]["sampled"]
    assert life["device"] == "virtio-blk 00:03.0" and life["end_line"] == b.events[-1].line
    assert life["start_time"] == pytest.approx(0.005)


def test_result_is_json_ready():
    b = BootLog(clock=1.0)
    b.pool_init(logged=True)
    for i in range(20):
        mp = b.map("Read", 0x7F000000, 0x200 * (i + 1), pool=True)
        b.unmap(mp)
    result, _ = run(b.events)
    doc = json.loads(
        json.dumps(
            {
                "devices": result.devices,
                "timeline": result.timeline,
                "address_space": result.address_space,
                "summary": result.summary,
            }
        )
    )
    assert doc["summary"]["pool"]["slots_taken"] == 20
    assert doc["timeline"]["transitions"]["total"] == 17
    assert doc["timeline"]["shared_pages"]["points"][-1]["last"] == 1412
