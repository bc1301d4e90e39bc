"""Liveness and readiness: answers 200 only when the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from app.api.schemas import HealthPublic
from app.http.deps import QueueDep, SessionDep

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=HealthPublic)
def health(session: SessionDep, queue: QueueDep) -> HealthPublic:
    from app.analysis.compiled import engine_build
    from app.analysis.document import ENGINE_VERSION

    session.execute(text("SELECT 1"))
    dialect = session.get_bind().dialect.name
    build = engine_build()
    return HealthPublic(
        status="ok",
        database=dialect,
        job_backend=queue.name,
        engine_version=ENGINE_VERSION,
        engine_build=build.kind,
        compiled_modules=list(build.compiled_modules),
    )
