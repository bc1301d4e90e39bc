"""The comparison page: two boots side by side with synchronized time axes, findings new,
fixed and persisting (by fingerprint), and per-device statistics deltas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.analysis.document import ResultDocument
from app.db import queries
from app.db.models import Boot
from app.http.deps import SessionDep
from app.http.params import OptionalBootIdQuery
from app.service.comparison import compare_documents
from app.service.figures.alignment import align_by_phase, common_phases, phase_mapping
from app.service.figures.devices import build_delta_figures
from app.service.figures.timeline import build_timeline_figure
from app.service.timeline import build_window
from app.web.access import ViewerDep, load_result
from app.web.templating import render

router = APIRouter(include_in_schema=False)

DELTA_FIGURES = (
    ("bytes", "Bytes mapped: A vs B"),
    ("transitions", "Encryption transitions: A vs B"),
    ("peak_shared_pages", "Peak shared pages: A vs B"),
)


@dataclass
class Side:
    """One boot of the comparison; ``window`` and ``figure`` (JSON) set by ``_shared_axes``."""

    boot: Boot
    doc: ResultDocument
    label: str
    window: dict[str, Any] = field(default_factory=dict)
    figure: dict[str, Any] = field(default_factory=dict)


def _side(session: SessionDep, viewer: ViewerDep, boot_id: int, label: str) -> Side:
    boot, document = load_result(session, viewer, boot_id, label)
    return Side(boot=boot, doc=document, label=label)


def _shared_axes(a: Side, b: Side) -> str:
    """Both timelines on one x axis, so that they can stay synchronized: seconds when both
    logs have timestamps (the union of the two ranges), else boot phases each stretched to
    the same width (``figures.alignment``). Returns "time" or "phase"."""
    wa, wb = build_window(a.doc), build_window(b.doc)
    figures = [
        build_timeline_figure(window, title=f"{side.label}: encryption timeline")
        for side, window in ((a, wa), (b, wb))
    ]
    alignment = "time" if wa["axis"] == wb["axis"] == "time" else "phase"
    slots = common_phases(wa, wb)
    if not slots:
        alignment = "time" if wa["axis"] == wb["axis"] == "time" else "line"
    lo = min(wa["extent"][0], wb["extent"][0])
    hi = max(wa["extent"][1], wb["extent"][1])
    height = max(f["layout"]["height"] for f in figures) + 40
    for side, window, figure in zip((a, b), (wa, wb), figures, strict=True):
        layout = figure["layout"]
        if alignment == "phase":
            align_by_phase(figure, phase_mapping(window, slots), slots)
        else:
            layout["xaxis"]["range"] = [lo, hi]
        layout["height"] = height  # equal heights keep the two columns aligned
        layout["margin"]["b"] = 160  # the legend wraps to more rows in a half-width column
        side.window, side.figure = window, figure
    return alignment


@router.get("/compare", response_class=HTMLResponse, name="compare")
def compare(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    a: OptionalBootIdQuery = None,
    b: OptionalBootIdQuery = None,
) -> HTMLResponse:
    readable = viewer.principal.readable_project_ids(session)
    choices, _ = queries.list_boots(session, project_ids=readable, status="done", limit=200)
    context: dict[str, Any] = {"choices": choices, "a_id": a, "b_id": b, "ready": False}
    if a is None or b is None:
        return render(request, "compare.html", context)
    side_a, side_b = _side(session, viewer, a, "A"), _side(session, viewer, b, "B")
    alignment = _shared_axes(side_a, side_b)
    result = compare_documents(side_a.doc, side_b.doc)
    context.update(
        ready=True,
        previous_of_b=queries.previous_boot(session, side_b.boot),
        sides=[side_a, side_b],
        result=result,
        delta_figures=build_delta_figures(result.devices, DELTA_FIGURES) if result.devices else [],
        alignment=alignment,
    )
    return render(request, "compare.html", context)
