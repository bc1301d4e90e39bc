"""Projects the caller can see, with what they may do in each."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.schemas import ProjectListPublic, ProjectPublic
from app.db import queries
from app.http.deps import PrincipalDep, SessionDep

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
