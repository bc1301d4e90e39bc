"""Boots: upload, list, read, delete and re-analyse.

An upload is ingested by ``app.service.ingest.ingest_boot`` (staged and checked before the
database is touched, stored in one transaction, then queued). ``origin_id`` makes uploads
idempotent per project: a repeat answers 200 with the boot that exists instead of 202 with a
new one.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi import status as http
from sqlalchemy.orm import Session

from app.api.deps import ReadableBoot
from app.api.present import base_url, boot_created, boot_public
from app.api.schemas import BootCreated, BootListPublic, BootPublic, ReanalyseStalePublic, Status
from app.db import queries
from app.db.models import Project
from app.http.deps import DbDep, PrincipalDep, QueueDep, SessionDep, SettingsDep
from app.http.params import MAX_INT32, OffsetQuery
from app.service.errors import Invalid
from app.service.ingest import build_fields, check_text, ingest_boot, limits_of, parse_metadata
from app.service.permissions import Principal, upload_project
from app.service.verdict import parse_overrides

router = APIRouter(prefix="/boots", tags=["boots"])

SeverityName = Literal["info", "low", "medium", "high", "critical"]
MAX_PROJECT_CHARS = 100  # projects.name is String(100)
PlatformName = Literal["none", "sev", "sev-es", "sev-snp", "tdx", "unknown"]


def _upload_project(session: Session, principal: Principal, name: str | None) -> Project:
    """The project an upload goes to: the named one, else the token's own."""
    if name is None and principal.token is not None:
        return principal.token.project
    if not name:
        raise Invalid("give the project field")
    check_text("project", name)
    if len(name) > MAX_PROJECT_CHARS:
        raise Invalid(f"project names have at most {MAX_PROJECT_CHARS} characters")
    return upload_project(session, principal, name)


@router.post(
    "",
    status_code=http.HTTP_202_ACCEPTED,
    response_model=BootCreated,
    responses={
        200: {"model": BootCreated, "description": "origin_id matched: the existing boot"},
        413: {"description": "upload or decompressed log over a limit"},
        422: {"description": "unusable upload (empty, corrupt gzip, bad field)"},
    },
)
def upload_boot(
    request: Request,
    response: Response,
    db: DbDep,
    session: SessionDep,
    settings: SettingsDep,
    queue: QueueDep,
    principal: PrincipalDep,
    log: Annotated[UploadFile, File(description="the boot log, plain text or gzip")],
    firmware: Annotated[UploadFile | None, File(description="the firmware image (.fd)")] = None,
    firmware_metadata: Annotated[UploadFile | None, File(description="JSON object")] = None,
    host_trace: Annotated[
        UploadFile | None,
        File(description="QEMU trace output captured apart from the log, plain text or gzip"),
    ] = None,
    project: Annotated[str | None, Form(description="defaults to the token's project")] = None,
    name: Annotated[str | None, Form()] = None,
    branch: Annotated[str | None, Form()] = None,
    commit: Annotated[str | None, Form()] = None,
    ci_url: Annotated[str | None, Form()] = None,
    tags: Annotated[str | None, Form(description="comma-separated")] = None,
    origin_id: Annotated[str | None, Form(description="idempotency key per project")] = None,
    baseline: Annotated[
        int | None,
        Form(ge=1, le=MAX_INT32, description="a boot of the project to compare with"),
    ] = None,
    fail_on: Annotated[
        str | None, Form(max_length=16, description="override: severity that fails, or none")
    ] = None,
    fail_rules: Annotated[
        str | None, Form(max_length=1000, description="override: comma-separated rule IDs")
    ] = None,
    fail_on_new: Annotated[
        bool | None, Form(description="override: fail on findings new against the baseline")
    ] = None,
    max_shared_pages: Annotated[
        int | None, Form(ge=0, le=2**53, description="override: pages shared at hand-off")
    ] = None,
    max_transitions: Annotated[
        int | None, Form(ge=0, le=2**53, description="override: encryption transitions")
    ] = None,
    max_bounce_bytes: Annotated[
        int | None, Form(ge=0, le=2**53, description="override: bytes bounced (IoMmu)")
    ] = None,
    max_debug_exits: Annotated[
        int | None, Form(ge=0, le=2**53, description="override: debug-port VM exits")
    ] = None,
) -> BootCreated:
    """Accept a boot log for analysis; answers at once, the analysis runs on a worker."""
    target = _upload_project(session, principal, project)
    principal.require(target, "upload")  # the token's own project: scopes still apply
    session.commit()  # end the read transaction; the objects stay usable
    base = base_url(request, settings)
    metadata = parse_metadata(firmware_metadata.file) if firmware_metadata else None
    fields = build_fields(
        name=name,
        filename=log.filename,
        branch=branch,
        commit=commit,
        ci_url=ci_url,
        tags=tags,
        origin_id=origin_id,
        firmware_metadata=metadata,
        baseline_id=baseline,
        overrides=parse_overrides(
            fail_on=fail_on,
            fail_rules=[rule.strip() for rule in (fail_rules or "").split(",") if rule.strip()],
            fail_on_new=fail_on_new,
            limits={
                "max_shared_pages": max_shared_pages,
                "max_transitions": max_transitions,
                "max_bounce_bytes": max_bounce_bytes,
                "max_debug_exits": max_debug_exits,
            },
        ),
    )
    ingested = ingest_boot(
        db,
        project=target,
        fields=fields,
        log=log.file,
        firmware=firmware.file if firmware else None,
        host_trace=host_trace.file if host_trace else None,
        limits=limits_of(settings),
        queue=queue,
    )
    created = boot_created(ingested.boot_id, ingested.status, base, existing=ingested.existing)
    if ingested.existing:
        response.status_code = http.HTTP_200_OK
    else:
        response.headers["Location"] = created.status_url
    return created


@router.get("", response_model=BootListPublic)
def list_boots(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    project: str | None = None,
    branch: str | None = None,
    platform: PlatformName | None = None,
    status: Status | None = None,
    severity: Annotated[SeverityName | None, Query(description="worst severity at least")] = None,
    stale: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
) -> BootListPublic:
    """Boots the caller may read, newest first."""
    boots, total = queries.list_boots(
        session,
        project_ids=principal.readable_project_ids(session),
        project=project,
        branch=branch,
        platform=platform,
        status=status,
        min_severity=severity,
        stale=stale,
        limit=limit,
        offset=offset,
    )
    base = base_url(request, settings)
    data = [boot_public(boot, base) for boot in boots]
    return BootListPublic(data=data, count=total, limit=limit, offset=offset)


@router.post("/reanalyse-stale", response_model=ReanalyseStalePublic)
def reanalyse_stale(
    db: DbDep,
    session: SessionDep,
    principal: PrincipalDep,
    queue: QueueDep,
    project: str | None = None,
) -> ReanalyseStalePublic:
    """Queue every boot whose result came from an older engine (admin of its project)."""
    projects = queries.list_projects(session)
    if project is not None:
        projects = [p for p in projects if p.name == project]
    allowed = [p.id for p in projects if principal.can(p, "admin")]
    if not allowed:
        raise HTTPException(http.HTTP_403_FORBIDDEN, "needs admin permission on a project")
    with db.write() as write:
        boots = queries.list_stale_boots(write, project_ids=allowed)
        runs = [queries.create_run(write, boot=boot) for boot in boots]
        boot_ids = [boot.id for boot in boots]
        run_ids = [run.id for run in runs]
    queue.enqueue(run_ids)
    return ReanalyseStalePublic(queued=boot_ids, count=len(boot_ids))


@router.get("/{boot_id}", response_model=BootPublic)
def read_boot(
    request: Request, boot: ReadableBoot, session: SessionDep, settings: SettingsDep
) -> BootPublic:
    """The boot's fields and status (queued, running, done, failed with its error)."""
    run = queries.get_latest_run(session, boot_id=boot.id)
    return boot_public(boot, base_url(request, settings), run)


@router.delete("/{boot_id}", status_code=http.HTTP_204_NO_CONTENT)
def delete_boot(boot: ReadableBoot, db: DbDep, principal: PrincipalDep) -> Response:
    """Delete a boot (admin of its project)."""
    principal.require(boot.project, "admin")
    with db.write() as write:
        target = queries.get_boot(write, boot_id=boot.id)
        if target is not None:
            queries.delete_boot(write, boot=target)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


@router.post("/{boot_id}/reanalyse", status_code=http.HTTP_202_ACCEPTED, response_model=BootCreated)
def reanalyse_boot(
    request: Request,
    boot: ReadableBoot,
    db: DbDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    queue: QueueDep,
) -> BootCreated:
    """Queue a new analysis (unless one is already queued or running)."""
    principal.require(boot.project, "upload")
    with db.write() as write:
        target = queries.get_boot(write, boot_id=boot.id)
        if target is None:
            raise HTTPException(http.HTTP_404_NOT_FOUND, f"no boot {boot.id}")
        latest = queries.get_latest_run(write, boot_id=target.id)
        run_id = None
        if latest is None or latest.status in ("done", "failed"):
            run_id = queries.create_run(write, boot=target).id
        created = boot_created(
            target.id, target.status, base_url(request, settings), existing=run_id is None
        )
    if run_id is not None:
        queue.enqueue([run_id])
    return created
