"""Memory stays bounded whatever the log size: feed 1M events, every structure stays capped."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from app.analysis import model as m
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator import SIMULATOR_RULES, Simulator
from app.analysis.simulator.iommu import MAX_DEAD
from app.analysis.simulator.transitions import MAX_SHARED_BY

from .factories import BootLog

N_EVENTS = 1_000_000


def stream(n: int) -> Iterator[m.Event]:
    """A long boot: pool and legacy traffic at cycling addresses, fw-cfg, occasional bugs."""
    b = BootLog(clock=0.0)
    b.pci(3, 0x1042)
    b.pool_init(logged=True)
    b.protocol("FA920010-6785-4941-B6EC-498C579F160A")
    ring = b.allocate(3, pool=True)
    b.map("CommonBuffer", ring, 0x3000)
    b.message("VirtioBlkInit", "LbaSize=0x200[B]")
    i = 0
    while b.line < n:
        i += 1
        status = b.allocate(1, pool=True)
        h = b.map("Read", 0x7F6A5018, 16, pool=True)
        bounce = 0x100000000 + (i % 256) * 0x300000  # > 512 pages: legacy path by design
        d = b.map("Write64", 0x7F000000, 0x201000, device=bounce, logged=True)
        s = b.map("CommonBuffer", status, 1)
        b.unmap(s)
        b.unmap(d, convert=(bounce, 0x201))
        b.unmap(h)
        b.free(status, 1)
        if i % 7 == 0:
            f = b.map("Read64", 0x7F100000, 0x400, pool=True)
            b.unmap(f)
        if i % 500 == 0:
            b.unmap(0xBAD0000 + i)  # unknown mapping: one finding group, count grows
        yield from b.events
        b.events.clear()


@pytest.mark.slow
def test_structures_stay_capped_over_1m_events():
    collector = FindingCollector(SIMULATOR_RULES)
    sim = Simulator(
        collector, max_points=200, keep_transitions=100, max_lifetimes=300, max_records=5000
    )
    last = 0
    for ev in stream(N_EVENTS):
        sim.feed(ev)
        last = ev.line
    tracker, io = sim.tracker, sim.iommu
    assert len(tracker.pages) <= 300  # 256 bounce slots + pool + fw-cfg pages, coalesced
    assert len(tracker.series.buckets) <= 200
    assert len(tracker.buckets.buckets) <= 200
    assert len(tracker.first) == 100
    assert len(tracker.shared_by) <= MAX_SHARED_BY
    assert len(tracker.expectations) <= 17 and not tracker.orphans
    assert len(io.dead) <= MAX_DEAD
    assert len(io.live) <= 4 and len(io.buffers) <= 2
    assert len(io.records) == 5000 and io.records_dropped > 0
    assert len(sim.long_lived) <= 300 and len(sim.sampled.items) <= 300
    result = sim.finish(last_line=last)
    doc = json.dumps(
        {"d": result.devices, "t": result.timeline, "a": result.address_space, "s": result.summary}
    )
    assert len(doc) < 2_000_000
    findings = collector.findings()
    assert {f.rule_id for f in findings} == {"IOMMU-002"}
    (f,) = findings
    assert f.count > m.MAX_FINDING_LINES and len(f.lines) == m.MAX_FINDING_LINES
    assert result.summary["maps"] > 100_000
    assert result.timeline["lifetimes"]["sampled_dropped"] > 0
