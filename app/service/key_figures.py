"""A boot's key figures: what the branch history shows per boot and what a policy's
thresholds (``max_shared_pages``, ``max_transitions``, ``max_bounce_bytes``,
``max_debug_exits``) judge, read from the result document in this one place so the history
row and the verdict can never disagree about a figure."""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.document import ResultDocument


@dataclass(frozen=True, slots=True)
class Figures:
    counts: dict[str, int]  # findings by severity
    shared_pages_at_handoff: int | None  # None: the log never reached the hand-off
    transitions: int  # encryption transitions (private <-> shared)
    bounce_bytes: int  # bytes bounced through IoMmu bounce buffers, all devices
    debug_exits: int  # estimated VM exits the debug log cost (``debug_cost.exits``)


def key_figures(document: ResultDocument) -> Figures:
    return Figures(
        counts=dict(document.verdict.counts),
        shared_pages_at_handoff=document.iommu.shared_pages_at_handoff,
        transitions=document.iommu.transitions.count,
        bounce_bytes=sum(device.bounce_bytes for device in document.devices),
        debug_exits=document.debug_cost.exits,
    )
