"""Job state transitions on ``analysis_runs`` rows: the row is the job, the database the queue.

queued --claim--> running (worker token, lease) --complete--> done
                                                --fail-----> failed (error shown to users)
running with an expired lease --release_expired--> queued again, or failed after N attempts

Every transition is one conditional UPDATE (compare-and-set), so two workers can race for a
run and exactly one wins; a worker that lost its lease cannot overwrite the new owner's work,
because completion checks the claim token it was given. Boots mirror their latest run's status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from app.analysis.document import ResultDocument
from app.db.base import utcnow
from app.db.models import AnalysisRun, Boot, DeviceStat, Finding
from app.service.projection import apply_summary, result_rows


@dataclass(frozen=True)
class Claim:
    """What a worker needs to analyse a claimed run, read inside the claiming transaction."""

    run_id: int
    token: str
    attempt: int
    boot_id: int
    boot_name: str
    log_sha256: str
    firmware_sha256: str | None
    firmware_metadata: dict[str, Any] | None = None
    host_trace_sha256: str | None = None


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _sync_boot(session: Session, run_id: int, status: str, error: str | None = None) -> None:
    """Copy a run's status to its boot if it is the boot's latest run."""
    newer = aliased(AnalysisRun)
    run = session.get(AnalysisRun, run_id)
    if run is None:
        return
    is_latest = ~exists().where(and_(newer.boot_id == run.boot_id, newer.id > run_id))
    session.execute(
        update(Boot)
        .where(Boot.id == run.boot_id, is_latest)
        .values(status=status, error=error, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def claim_run(session: Session, *, run_id: int, worker: str, lease_seconds: float) -> Claim | None:
    """Take a queued run; None when someone else has it (or it is finished or gone)."""
    now = utcnow()
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    result = session.execute(
        update(AnalysisRun)
        .where(AnalysisRun.id == run_id, AnalysisRun.status == "queued")
        .values(
            status="running",
            worker=token,
            attempts=AnalysisRun.attempts + 1,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=now,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        return None
    _sync_boot(session, run_id, "running")
    row = session.execute(
        select(
            AnalysisRun.attempts,
            Boot.id,
            Boot.name,
            Boot.log_sha256,
            Boot.firmware_sha256,
            Boot.firmware_metadata,
            Boot.host_trace_sha256,
        )
        .join(Boot, Boot.id == AnalysisRun.boot_id)
        .where(AnalysisRun.id == run_id)
    ).one()
    return Claim(run_id, token, *row)


def next_queued_ids(session: Session, *, limit: int = 4) -> list[int]:
    """Queued runs in order, but those held until a time still to come (``fail_run``)."""
    held = AnalysisRun.enqueued_at > utcnow()
    stmt = (
        select(AnalysisRun.id)
        .where(AnalysisRun.status == "queued", ~held | AnalysisRun.enqueued_at.is_(None))
        .order_by(AnalysisRun.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def renew_lease(session: Session, *, claim: Claim, lease_seconds: float) -> bool:
    """Extend the lease; False means the run is no longer ours (expired and taken over)."""
    result = session.execute(
        update(AnalysisRun)
        .where(
            AnalysisRun.id == claim.run_id,
            AnalysisRun.status == "running",
            AnalysisRun.worker == claim.token,
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _finish(session: Session, claim: Claim, **values: Any) -> bool:
    result = session.execute(
        update(AnalysisRun)
        .where(
            AnalysisRun.id == claim.run_id,
            AnalysisRun.status == "running",
            AnalysisRun.worker == claim.token,
        )
        .values(lease_expires_at=None, finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def complete_run(
    session: Session,
    *,
    claim: Claim,
    result: ResultDocument,
    result_sha256: str,
    duration: float,
) -> bool:
    """Record a finished analysis; False (and nothing written) if the claim was lost."""
    done = _finish(
        session,
        claim,
        status="done",
        result_sha256=result_sha256,
        engine_version=result.engine_version,
        schema_version=str(result.schema_version),
        duration_seconds=duration,
    )
    if not done:
        return False
    session.add_all(result_rows(result, boot_id=claim.boot_id, run_id=claim.run_id))
    _sync_boot(session, claim.run_id, "done")
    boot = session.get(Boot, claim.boot_id)
    if boot is not None and (boot.result_run_id is None or boot.result_run_id <= claim.run_id):
        boot.result_run_id = claim.run_id
        apply_summary(boot, result)
        session.execute(
            delete(Finding).where(Finding.boot_id == boot.id, Finding.run_id != claim.run_id)
        )
        session.execute(
            delete(DeviceStat).where(
                DeviceStat.boot_id == boot.id, DeviceStat.run_id != claim.run_id
            )
        )
    return True


def fail_run(
    session: Session, *, claim: Claim, error: str, retry: bool, hold_seconds: float = 0.0
) -> bool:
    """Give up on this attempt: back to the queue when ``retry``, else failed for good.
    ``hold_seconds``: no worker takes the run again before then (a full disk takes longer to
    free than a worker takes to fail again), by an ``enqueued_at`` in the future (the Celery
    reaper republishes it ``requeue_seconds`` after that)."""
    if retry:
        held = utcnow() + timedelta(seconds=hold_seconds) if hold_seconds else None
        ok = _finish(session, claim, status="queued", error=error, enqueued_at=held)
        if ok:
            _sync_boot(session, claim.run_id, "queued")
        return ok
    ok = _finish(session, claim, status="failed", error=error)
    if ok:
        _sync_boot(session, claim.run_id, "failed", error)
    return ok


def release_expired(session: Session, *, max_attempts: int, now: datetime | None = None) -> int:
    """Requeue runs whose worker died (lease expired); fail those out of attempts."""
    now = now or utcnow()
    expired = session.execute(
        select(AnalysisRun.id, AnalysisRun.attempts).where(
            AnalysisRun.status == "running", AnalysisRun.lease_expires_at < now
        )
    ).all()
    changed = 0
    for run_id, attempts in expired:
        final = attempts >= max_attempts
        status = "failed" if final else "queued"
        error = (
            f"gave up after {attempts} attempts: the worker running this analysis stopped "
            "(killed, crashed or timed out) or could not record its outcome every time"
            if final
            else None
        )
        result = session.execute(
            update(AnalysisRun)
            .where(
                AnalysisRun.id == run_id,
                AnalysisRun.status == "running",
                AnalysisRun.lease_expires_at < now,
            )
            .values(
                status=status, worker=None, lease_expires_at=None, enqueued_at=None, error=error
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) == 1:
            _sync_boot(session, run_id, status, error)
            changed += 1
    return changed


def take_unpublished(session: Session, *, older_than: float, limit: int = 500) -> list[int]:
    """Queued runs never handed to the broker (or long ago); marks them handed now."""
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than)
    ids = list(
        session.scalars(
            select(AnalysisRun.id)
            .where(
                AnalysisRun.status == "queued",
                (AnalysisRun.enqueued_at.is_(None)) | (AnalysisRun.enqueued_at < cutoff),
            )
            .order_by(AnalysisRun.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id.in_(ids))
            .values(enqueued_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids
