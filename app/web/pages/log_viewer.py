"""The log viewer: the raw log by ranges, with line anchors, recognised events highlighted,
finding lines marked and line comments shown under their line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.analysis.document import Finding
from app.db import review_queries
from app.db.models import Boot
from app.http.deps import SessionDep
from app.http.params import BootIdPath, LineQuery, OptionalLineQuery
from app.service.results import shown_findings
from app.web.access import ViewerDep, load_boot
from app.web.findings import line_comments
from app.web.log_ranges import DEFAULT_LINES, MAX_LINES, read_range
from app.web.templating import render

router = APIRouter(include_in_schema=False)

CONTEXT_BEFORE = 150


def finding_lines(findings: Sequence[Finding]) -> dict[int, list[Finding]]:
    """``{line: [finding, ...]}`` for every line a finding points at."""
    marks: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        for line in finding.lines:
            marks[line].append(finding)
    return dict(marks)


def _range_context(session: SessionDep, boot: Boot, start: int, count: int) -> dict[str, Any]:
    comments = review_queries.list_comments(session, boot_id=boot.id)
    return {
        "boot": boot,
        "range": read_range(session, boot, start=start, count=count),
        "marks": finding_lines(shown_findings(session, boot)),
        "line_comments": line_comments(comments),
    }


@router.get("/boots/{boot_id}/log", response_class=HTMLResponse, name="boot_log")
def boot_log(
    request: Request,
    boot_id: BootIdPath,
    session: SessionDep,
    viewer: ViewerDep,
    line: OptionalLineQuery = None,
    start: OptionalLineQuery = None,
    count: Annotated[int, Query(ge=1, le=MAX_LINES)] = DEFAULT_LINES,
) -> HTMLResponse:
    boot = load_boot(session, viewer, boot_id)
    first = start or (max(1, line - CONTEXT_BEFORE) if line else 1)
    context = _range_context(session, boot, first, count)
    context.update(
        line=line,
        can_review=viewer.can_review(boot.project),
        findings=shown_findings(session, boot),
        max_lines=MAX_LINES,
    )
    return render(request, "log.html", context)


@router.get("/boots/{boot_id}/log/lines", response_class=HTMLResponse, name="boot_log_lines")
def boot_log_lines(
    request: Request,
    boot_id: BootIdPath,
    session: SessionDep,
    viewer: ViewerDep,
    start: LineQuery = 1,
    count: Annotated[int, Query(ge=1, le=MAX_LINES)] = DEFAULT_LINES,
) -> HTMLResponse:
    """A range of lines as an HTML fragment (the viewer appends it while scrolling)."""
    boot = load_boot(session, viewer, boot_id)
    response = render(request, "_log_lines.html", _range_context(session, boot, start, count))
    rng = response.context["range"]  # type: ignore[attr-defined]
    response.headers["X-Line-Start"] = str(rng.start)
    response.headers["X-Line-End"] = str(rng.end)
    response.headers["X-Total-Lines"] = str(rng.total)
    return response
