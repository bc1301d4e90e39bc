"""Projects the caller can see, with what they may do in each."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.analysis.jsondata import to_json
from app.api.schemas import ProjectListPublic, ProjectPublic
from app.db import queries
from app.http.deps import PrincipalDep, SessionDep
from app.service.history import DEFAULT_BOOTS, MAX_BOOTS, branch_history

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=ProjectListPublic)
def list_projects(session: SessionDep, principal: PrincipalDep) -> ProjectListPublic:
    ids = principal.readable_project_ids(session)
    data = [
        ProjectPublic(
            name=p.name, public_read=p.public_read, permissions=sorted(principal.permissions(p))
        )
        for p in queries.list_projects(session, project_ids=ids)
    ]
    return ProjectListPublic(data=data, count=len(data))


@router.get("/{project}/history")
def read_branch_history(
    project: str,
    session: SessionDep,
    principal: PrincipalDep,
    branch: Annotated[str, Query(min_length=1, max_length=255)],
    limit: Annotated[int, Query(ge=1, le=MAX_BOOTS)] = DEFAULT_BOOTS,
) -> dict[str, Any]:
    """The last ``limit`` boots of the project's ``branch``, newest first, with verdict and key
    figures (findings by severity, pages shared at hand-off, transitions, bounce bytes), and
    each finding's first boot on the branch."""
    history: dict[str, Any] = to_json(
        branch_history(session, principal, project, branch, limit=limit)
    )
    return history
