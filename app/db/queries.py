"""Read and create functions over projects, boots, findings and device statistics.

Every function is keyword-only and takes a ``Session``; none commits (the caller owns the
transaction). The API and the HTML pages both call these, so they hold no SQL of their own.
Job state transitions (claim, lease, complete) live in ``app.service.lease``; accounts and
tokens in ``app.db.accounts``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.analysis.model import Severity
from app.db.base import utcnow
from app.db.blobs import StagedBlob, put_blob
from app.db.models import AnalysisRun, Boot, DeviceStat, Finding, Project


def severity_rank(label: str) -> int:
    """Numeric order of a severity label (ValueError on an unknown label)."""
    return int(Severity.parse(label))


# -- projects -----------------------------------------------------------------------------


def get_project(session: Session, *, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == name))


def get_project_by_id(session: Session, *, project_id: int) -> Project | None:
    return session.get(Project, project_id)


def get_or_create_project(
    session: Session, *, name: str, public_read: bool | None = None
) -> Project:
    """The project called ``name``, created if missing; ``public_read`` updates it if given."""
    project = get_project(session, name=name)
    if project is None:
        project = Project(name=name, public_read=bool(public_read))
        session.add(project)
        session.flush()
    elif public_read is not None:
        project.public_read = public_read
    return project


def list_projects(session: Session, *, project_ids: Collection[int] | None = None) -> list[Project]:
    stmt = select(Project).order_by(Project.name)
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(project_ids))
    return list(session.scalars(stmt))


def list_public_project_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Project.id).where(Project.public_read.is_(True))))


# -- boots --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootFields:
    """What an uploader says about a boot, besides its bytes."""

    name: str
    branch: str | None = None
    commit: str | None = None
    ci_url: str | None = None
    tags: tuple[str, ...] = ()
    origin_id: str | None = None
    firmware_metadata: dict[str, Any] | None = None
    synthesized: bool = False
    provenance: str | None = None
    baseline_id: int | None = None  # the boot named as baseline (same project)
    policy_overrides: dict[str, Any] | None = None  # service.verdict.PolicyOverrides.to_json


def create_boot(
    session: Session,
    *,
    project: Project,
    fields: BootFields,
    log: StagedBlob,
    firmware: StagedBlob | None = None,
    host_trace: StagedBlob | None = None,
) -> tuple[Boot, AnalysisRun]:
    """Store blobs, the boot and its first (queued) analysis run together."""
    put_blob(session, log)
    for extra in (firmware, host_trace):
        if extra is not None:
            put_blob(session, extra)
    boot = Boot(
        project_id=project.id,
        name=fields.name,
        branch=fields.branch,
        commit=fields.commit,
        ci_url=fields.ci_url,
        tags=list(fields.tags),
        origin_id=fields.origin_id,
        log_sha256=log.sha256,
        log_bytes=log.size,
        log_lines=log.lines,
        firmware_sha256=firmware.sha256 if firmware else None,
        firmware_metadata=fields.firmware_metadata,
        host_trace_sha256=host_trace.sha256 if host_trace else None,
        synthesized=fields.synthesized,
        provenance=fields.provenance,
        baseline_id=fields.baseline_id,
        policy_overrides=fields.policy_overrides,
        status="queued",
    )
    session.add(boot)
    session.flush()
    run = create_run(session, boot=boot)
    return boot, run


def create_run(session: Session, *, boot: Boot) -> AnalysisRun:
    """Queue a new analysis of ``boot``; the boot shows it as its status."""
    run = AnalysisRun(boot_id=boot.id, status="queued", enqueued_at=utcnow())
    session.add(run)
    boot.status = "queued"
    boot.error = None
    session.flush()
    return run


def get_boot(session: Session, *, boot_id: int) -> Boot | None:
    return session.get(Boot, boot_id)


def get_boot_by_origin(session: Session, *, project_id: int, origin_id: str) -> Boot | None:
    stmt = select(Boot).where(Boot.project_id == project_id, Boot.origin_id == origin_id)
    return session.scalar(stmt)


def previous_boot(session: Session, boot: Boot) -> Boot | None:
    """The analysed boot of the same project and branch uploaded just before ``boot`` (what
    "compare with the previous boot of this branch" compares with); None without a branch."""
    if not boot.branch:
        return None
    earlier = or_(
        Boot.created_at < boot.created_at,
        and_(Boot.created_at == boot.created_at, Boot.id < boot.id),
    )
    stmt = (
        select(Boot)
        .where(
            Boot.project_id == boot.project_id,
            Boot.branch == boot.branch,
            Boot.status == "done",
            Boot.id != boot.id,
            earlier,
        )
        .order_by(Boot.created_at.desc(), Boot.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def list_boots(
    session: Session,
    *,
    project_ids: Collection[int] | None,
    project: str | None = None,
    branch: str | None = None,
    platform: str | None = None,
    status: str | None = None,
    min_severity: str | None = None,
    stale: bool | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Boot], int]:
    """Boots visible in ``project_ids`` (None: all), newest first, and the total count.
    ``text`` matches a name substring or a commit prefix, case-insensitively."""
    stmt = select(Boot)
    if project_ids is not None:
        stmt = stmt.where(Boot.project_id.in_(project_ids))
    if project is not None:
        stmt = stmt.join(Project, Project.id == Boot.project_id).where(Project.name == project)
    if branch is not None:
        stmt = stmt.where(Boot.branch == branch)
    if platform is not None:
        stmt = stmt.where(Boot.platform == platform)
    if status is not None:
        stmt = stmt.where(Boot.status == status)
    if min_severity is not None:
        stmt = stmt.where(Boot.severity_rank >= severity_rank(min_severity))
    if stale is not None:
        stmt = stmt.where(Boot.stale.is_(stale))
    if text:
        stmt = stmt.where(_matches_text(text.strip()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = stmt.order_by(Boot.created_at.desc(), Boot.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(page)), total


def _matches_text(text: str) -> ColumnElement[bool]:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        func.lower(Boot.name).like(f"%{escaped}%", escape="\\"),
        func.lower(Boot.commit).like(f"{escaped}%", escape="\\"),
    )


def delete_boot(session: Session, *, boot: Boot) -> None:
    """Delete a boot with its runs, findings and statistics (blobs are shared, kept)."""
    for model in (Finding, DeviceStat, AnalysisRun):
        session.execute(delete(model).where(model.boot_id == boot.id))
    session.delete(boot)
    session.flush()


# -- runs and results ---------------------------------------------------------------------


def get_run(session: Session, *, run_id: int) -> AnalysisRun | None:
    return session.get(AnalysisRun, run_id)


def get_latest_run(session: Session, *, boot_id: int) -> AnalysisRun | None:
    stmt = (
        select(AnalysisRun)
        .where(AnalysisRun.boot_id == boot_id)
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def list_findings(
    session: Session, *, boot: Boot, min_severity: str | None = None
) -> list[Finding]:
    """Findings of the boot's shown run, worst first."""
    if boot.result_run_id is None:
        return []
    stmt = select(Finding).where(Finding.run_id == boot.result_run_id)
    if min_severity is not None:
        stmt = stmt.where(Finding.severity_rank >= severity_rank(min_severity))
    return list(session.scalars(stmt.order_by(Finding.severity_rank.desc(), Finding.id)))


def list_device_stats(session: Session, *, boot: Boot) -> list[DeviceStat]:
    if boot.result_run_id is None:
        return []
    stmt = select(DeviceStat).where(DeviceStat.run_id == boot.result_run_id)
    return list(session.scalars(stmt.order_by(DeviceStat.bytes.desc(), DeviceStat.device)))


def mark_stale(session: Session, *, engine_version: str, schema_version: int | None = None) -> int:
    """Flag boots whose shown result came from another engine version, or has another document
    shape (``schema_version``, when given); returns how many."""
    outdated = AnalysisRun.engine_version != engine_version
    if schema_version is not None:
        outdated = or_(outdated, AnalysisRun.schema_version.is_distinct_from(str(schema_version)))
    stale_runs = select(AnalysisRun.id).where(outdated)
    result = session.execute(
        update(Boot)
        .where(Boot.result_run_id.in_(stale_runs), Boot.stale.is_(False))
        .values(stale=True)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_stale_boots(
    session: Session, *, project_ids: Collection[int] | None, limit: int = 10_000
) -> Sequence[Boot]:
    stmt = select(Boot).where(Boot.stale.is_(True), Boot.status.in_(("done", "failed")))
    if project_ids is not None:
        stmt = stmt.where(Boot.project_id.in_(project_ids))
    return list(session.scalars(stmt.order_by(Boot.id).limit(limit)))
