"""The boots list (the start page): filters, search, pagination, live status, upload form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.db import queries, review_queries
from app.http.deps import SessionDep
from app.service.tables import boots_table
from app.web.access import ViewerDep
from app.web.downloads import download
from app.web.templating import SEVERITIES, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
PLATFORMS = ("sev", "sev-es", "sev-snp", "tdx", "none", "unknown")
STATUSES = ("queued", "running", "done", "failed")
EXPORT_ROWS = 10_000  # boots one ``?_format=`` download holds at most


def _choice(value: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    """A filter value if it is one of the allowed ones (anything else means no filter)."""
    return value if value in allowed else None


@router.get("/", response_class=HTMLResponse, name="boots_list")
@router.get("/boots", response_class=HTMLResponse)
def boots_list(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    project: str | None = None,
    branch: str | None = None,
    platform: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    _format: str | None = None,
) -> Response:
    """The boots the viewer may read, filtered; with ``?_format=csv|json`` every matching boot
    (up to ``EXPORT_ROWS``) as a download instead of a page."""
    readable = viewer.principal.readable_project_ids(session)
    projects = queries.list_projects(session, project_ids=readable)
    branches = review_queries.list_branches(session, project_ids=readable)
    filters: dict[str, Any] = {
        "project": _choice(project, [p.name for p in projects]),
        "branch": _choice(branch, branches),
        "platform": _choice(platform, PLATFORMS),
        "status": _choice(status, STATUSES),
        "severity": _choice(severity, SEVERITIES),
        "q": (q or "").strip() or None,
    }
    boots, total = queries.list_boots(
        session,
        project_ids=readable,
        project=filters["project"],
        branch=filters["branch"],
        platform=filters["platform"],
        status=filters["status"],
        min_severity=filters["severity"],
        text=filters["q"],
        limit=EXPORT_ROWS if _format is not None else PAGE_SIZE,
        offset=0 if _format is not None else (page - 1) * PAGE_SIZE,
    )
    if _format is not None:
        return download(boots_table(boots), _format, "boots")
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "boots/list.html",
        {
            "boots": boots,
            "total": total,
            "page": page,
            "pages": pages,
            "filters": filters,
            "projects": projects,
            "branches": branches,
            "platforms": PLATFORMS,
            "statuses": STATUSES,
            "upload_projects": [p for p in projects if viewer.can_upload(p)],
            "any_filter": any(filters.values()),
        },
    )
