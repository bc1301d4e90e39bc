"""JSON-ready sections of ``SimulationResult``, built from a finished ``Simulator``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.analysis.model import IOMMU_OPERATIONS, PAGE_SIZE, PageState
from app.analysis.simulator.records import Mapping

if TYPE_CHECKING:
    from app.analysis.simulator.replay import Simulator


def as_int(value: object) -> int:
    return value if isinstance(value, int) else 0


def build_devices(sim: Simulator) -> list[dict[str, Any]]:
    """Per-device statistics, busiest first (merged pending groups left out)."""
    out = [
        d.to_dict()
        for d in sim.attributor.devices.values()
        if d.merged_into is None and (any(d.maps) or d.unmaps)
    ]
    out.sort(key=lambda d: (-as_int(d["maps"]), str(d["device"])))
    return out


def build_timeline(sim: Simulator) -> dict[str, Any]:
    """The bounded timeline document (shape in ``replay``'s docstring)."""

    def item(entry: tuple[Mapping, int | None, float | None]) -> dict[str, Any]:
        mp, end_line, end_time = entry
        return {
            "device": mp.stats.resolve().label or "unattributed",
            "operation": IOMMU_OPERATIONS[mp.op],
            "start_line": mp.line,
            "end_line": end_line,
            "start_time": mp.time,
            "end_time": end_time,
            "pages": mp.pages,
            "request_line": mp.request_line,
            "mapping": mp.mapping,
            "pool": mp.bits != 0,  # a ReservedMemBitmap: a slot of the reserved pool
        }

    return {
        "shared_pages": sim.tracker.series.to_dict(),
        "transitions": sim.tracker.to_dict(),
        "lifetimes": {
            "long_lived": [item(e) for e in sim.long_lived],
            "sampled": [item(e) for e in sim.sampled.values()],
            "long_lived_dropped": sim.long_dropped,
            "sampled_dropped": sim.sampled.dropped,
            "total": len(sim.long_lived) + sim.long_dropped + sim.sampled.seen,
        },
    }


def build_summary(sim: Simulator, live_at_end: int) -> dict[str, Any]:
    """Totals of the replay."""
    io = sim.iommu
    tr = sim.tracker
    pool = io.pool
    return {
        "maps": io.maps,
        "unmaps": io.unmaps,
        "legacy_maps": io.legacy_maps,
        "pool_maps": io.pool_maps,
        "allocations": io.allocations,
        "frees": io.frees,
        "set_attributes": sim.set_attributes,
        "live_at_ebs": io.live_at_ebs,
        "live_at_end": live_at_end,
        "handoff_line": sim.space.line_of("handoff"),
        "pool": None
        if pool is None
        else {
            "base": pool.base,
            "pages": (pool.end - pool.base) // PAGE_SIZE,
            "slots_taken": pool.taken,
            "peak_slots_used": pool.peak_used,
            "fallbacks": pool.fallbacks,
            "released": pool.released,
        },
        "peak_shared_pages": tr.peak_shared,
        "peak_shared_line": tr.peak_line or None,
        "shared_pages_at_handoff": sim.space.shared_pages_of("handoff"),
        "shared_pages_at_end": tr.pages.count(PageState.SHARED),
        "transitions": {
            "count": tr.total,
            "pages": tr.total_pages,
            "to_shared": tr.to_shared,
            "to_private": tr.total - tr.to_shared,
            "implied": tr.implied,
        },
        "encryption_lines_logged": tr.enc_logged,
        "pte_updates": sim.pte_updates,
        "page_splits": sim.page_splits,
        "page_map_intervals": len(tr.pages),
        "mapping_records": len(io.records),
        "mapping_records_dropped": io.records_dropped,
    }
