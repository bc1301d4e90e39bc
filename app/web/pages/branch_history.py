"""The branch history page: the last boots of a project and branch with their verdicts and key
figures, and the first boot where each finding appeared (``service.history``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.http.deps import SessionDep
from app.http.errors import status_of
from app.service.errors import ServiceError
from app.service.history import DEFAULT_BOOTS, MAX_BOOTS, branch_history, project_branches
from app.web.access import PageError, ViewerDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project}/history", response_class=HTMLResponse, name="branch_history")
def history_page(
    request: Request,
    project: str,
    session: SessionDep,
    viewer: ViewerDep,
    branch: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_BOOTS)] = DEFAULT_BOOTS,
) -> HTMLResponse:
    """Without ``branch`` (a link cut short, a typed URL) an HTML 422 page naming the
    project's branches, not the API's JSON."""
    try:
        if not branch:
            raise PageError(422, _pick_a_branch(project, session, viewer))
        history = branch_history(session, viewer.principal, project, branch, limit=limit)
    except ServiceError as exc:  # the same answer for a hidden and a missing project
        raise PageError(status_of(exc), exc.message) from None
    return render(request, "history.html", {"history": history, "limit": limit})


def _pick_a_branch(project: str, session: SessionDep, viewer: ViewerDep) -> str:
    branches = project_branches(session, viewer.principal, project)
    known = f"its branches: {', '.join(branches)}" if branches else "it has no branch yet"
    return f"Name a branch: /projects/{project}/history?branch=NAME ({known})."
