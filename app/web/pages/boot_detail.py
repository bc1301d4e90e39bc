"""The boot page: header and verdict, encryption timeline, address-space map, devices,
findings with their review status and comments, and links to the log viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.analysis.document import Label, ResultDocument, Snapshot
from app.db import queries, review_queries
from app.db.models import Boot
from app.http.deps import DbDep, SessionDep
from app.http.params import BootIdPath
from app.service.baseline import boot_baseline
from app.service.figures.address_space import build_address_space_figure
from app.service.figures.devices import build_device_figures
from app.service.figures.host import host_view
from app.service.figures.timeline import build_timeline_figure, has_timeline_data
from app.service.results import StaleResult, flag_stale, get_result
from app.service.timeline import build_window
from app.web.access import Viewer, ViewerDep, load_boot
from app.web.findings import boot_comments, firmware_summary, review_findings
from app.web.templating import render

router = APIRouter(include_in_schema=False)

Moment = Literal["handoff", "end"]


@dataclass(frozen=True)
class AddressSpaceView:
    moment: str
    available: list[str]
    snapshot: Snapshot | None
    labels: tuple[Label, ...]
    figure: dict[str, Any]


def address_space_view(document: ResultDocument, moment: str) -> AddressSpaceView:
    """The snapshot shown (hand-off when the boot reached it, else the end of the log)."""
    space = document.address_space
    snapshots = {"handoff": space.handoff, "end": space.end}
    available = [m for m, snapshot in snapshots.items() if snapshot]
    chosen = moment if moment in available else (available[0] if available else moment)
    snapshot = snapshots.get(chosen)
    label = "hand-off to the OS" if chosen == "handoff" else "the end of the log"
    return AddressSpaceView(
        moment=chosen,
        available=available,
        snapshot=snapshot,
        labels=space.labels,
        figure=build_address_space_figure(snapshot, space.labels, moment=label),
    )


def boot_context(
    db: DbDep,
    session: SessionDep,
    viewer: Viewer,
    boot: Boot,
    *,
    start: float | None,
    end: float | None,
    at: str,
) -> dict[str, Any]:
    stale: str | None = None
    try:
        document = get_result(session, boot)
    except StaleResult as exc:  # shown as "stale: re-analyse", never as a broken page
        document, stale = None, exc.message
        flag_stale(db, boot)
    run = queries.get_latest_run(session, boot_id=boot.id)
    comments = review_queries.list_comments(session, boot_id=boot.id)
    context: dict[str, Any] = {
        "boot": boot,
        "run": run,
        "doc": document,
        "stale_result": stale,
        "can_review": viewer.can_review(boot.project),
        "comments": boot_comments(comments),
        "comment_count": len(comments),  # the tab counts every comment: boot, finding, line
        "line_comment_count": sum(1 for c in comments if c.line is not None),
        "previous": queries.previous_boot(session, boot),
    }
    if document is None:
        return context
    statuses = review_queries.get_statuses(session, boot_id=boot.id)
    known = review_queries.list_known_issues(session, project_id=boot.project_id)
    active, suppressed = review_findings(document.findings, statuses, known, comments)
    window = build_window(document, start=start, end=end)
    seconds = window["axis"] == "time"
    devices = document.devices
    context.update(
        window=window,
        timeline_figure=build_timeline_figure(window),
        timeline_has_data=has_timeline_data(window),
        space=address_space_view(document, at),
        devices=devices,
        device_figures=build_device_figures(devices, seconds=seconds),
        findings=active,
        known_findings=suppressed,
        firmware=firmware_summary(document, boot.firmware_metadata),
        counts=document.verdict.counts,
        baseline=boot_baseline(session, boot),
        seconds=seconds,
        **host_view(document),
    )
    return context


@router.get("/boots/{boot_id}", response_class=HTMLResponse, name="boot_detail")
def boot_detail(
    request: Request,
    boot_id: BootIdPath,
    session: SessionDep,
    db: DbDep,
    viewer: ViewerDep,
    start: float | None = None,
    end: float | None = None,
    at: Moment = "handoff",
) -> HTMLResponse:
    boot = load_boot(session, viewer, boot_id)
    context = boot_context(db, session, viewer, boot, start=start, end=end, at=at)
    return render(request, "boots/detail.html", context)
