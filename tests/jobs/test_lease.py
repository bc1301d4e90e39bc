"""Job state on the run row: claims race safely, dead workers' jobs come back, N attempts fail."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.analysis.report import analyze_file
from app.db import queries
from app.db.base import utcnow
from app.db.blobs import Limits
from app.db.models import AnalysisRun, Boot
from app.service import lease
from app.service.ingest import ingest_boot, project_named
from app.service.processing import JobSettings, process_run

LOG = "007-freelancer-leon-tdx-lazy-accept-excerpt.log"
LIMITS = Limits(1 << 30, 1 << 30, 1000)


def queue_boot(db, logs_dir: Path, name: str = LOG, **fields: object) -> int:
    """A queued run of the log ``name`` (fields such as ``firmware_metadata`` added)."""
    with (logs_dir / name).open("rb") as stream:
        ingested = ingest_boot(
            db,
            project=project_named(db, "acme"),
            fields=queries.BootFields(name=name, **fields),  # type: ignore[arg-type]
            log=stream,
            limits=LIMITS,
        )
    assert ingested.run_id is not None
    return ingested.run_id


def test_only_one_of_many_claims_wins(db, logs_dir: Path) -> None:
    run_id = queue_boot(db, logs_dir)
    wins: list[object] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        with db.write() as session:
            got = lease.claim_run(session, run_id=run_id, worker="w", lease_seconds=30)
        if got is not None:
            wins.append(got)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    with db.read() as session:
        run = session.get(AnalysisRun, run_id)
        assert (run.status, run.attempts) == ("running", 1)
        assert session.scalar(select(Boot.status)) == "running"


def test_expired_lease_requeues_then_fails_after_max_attempts(db, logs_dir: Path) -> None:
    run_id = queue_boot(db, logs_dir)
    later = utcnow() + timedelta(seconds=120)
    for attempt in (1, 2, 3):
        with db.write() as session:
            claim = lease.claim_run(session, run_id=run_id, worker="dies", lease_seconds=60)
            assert claim is not None and claim.attempt == attempt
        with db.write() as session:  # a live lease is left alone
            assert lease.release_expired(session, max_attempts=3) == 0
        with db.write() as session:  # the worker died: its lease runs out
            assert lease.release_expired(session, max_attempts=3, now=later) == 1
    with db.read() as session:
        run = session.get(AnalysisRun, run_id)
        boot = session.get(Boot, run.boot_id)
        assert run.status == boot.status == "failed"
        assert "gave up after 3 attempts" in (boot.error or "")


def test_lost_claim_cannot_store_a_result(db, logs_dir: Path) -> None:
    run_id = queue_boot(db, logs_dir)
    with db.write() as session:
        old = lease.claim_run(session, run_id=run_id, worker="slow", lease_seconds=60)
    with db.write() as session:
        lease.release_expired(session, max_attempts=3, now=utcnow() + timedelta(seconds=120))
    with db.write() as session:
        new = lease.claim_run(session, run_id=run_id, worker="fresh", lease_seconds=60)
    assert old is not None and new is not None
    with db.write() as session:
        assert not lease.renew_lease(session, claim=old, lease_seconds=60)
        assert lease.renew_lease(session, claim=new, lease_seconds=60)
        assert not lease.complete_run(
            session,
            claim=old,
            result=analyze_file(logs_dir / LOG),
            result_sha256="0" * 64,
            duration=1,
        )


def test_process_run_analyses_and_skips_repeats(db, logs_dir: Path) -> None:
    run_id = queue_boot(db, logs_dir)
    settings = JobSettings(lease_seconds=5, max_attempts=3)
    assert process_run(db, run_id, settings=settings) == "done"
    assert process_run(db, run_id, settings=settings) == "skipped"
    with db.read() as session:
        run = session.get(AnalysisRun, run_id)
        boot = session.get(Boot, run.boot_id)
        assert (run.status, boot.status, boot.result_run_id) == ("done", "done", run_id)
        assert boot.platform == "tdx"
        assert run.result_sha256 and run.engine_version and run.duration_seconds is not None


def test_unusable_firmware_metadata_fails_visibly(db, logs_dir: Path) -> None:
    run_id = queue_boot(db, logs_dir, firmware_metadata={"not": "firmware metadata"})
    outcome = process_run(db, run_id, settings=JobSettings(lease_seconds=5, max_attempts=3))
    assert outcome == "failed"
    with db.read() as session:
        boot = session.scalar(select(Boot))
        assert boot.status == "failed" and boot.error and "cannot be analysed" in boot.error
        assert "firmware metadata" in boot.error


def test_take_unpublished_hands_out_each_run_once(db, logs_dir: Path) -> None:
    first = queue_boot(db, logs_dir)
    with db.write() as session:
        assert lease.take_unpublished(session, older_than=60) == []  # just published
        session.execute(AnalysisRun.__table__.update().values(enqueued_at=None))
    with db.write() as session:
        assert lease.take_unpublished(session, older_than=60) == [first]
    with db.write() as session:
        assert lease.take_unpublished(session, older_than=60) == []


def test_a_held_run_waits_for_its_time(db, logs_dir: Path) -> None:
    """A run requeued with a hold (its result found the disk full) is not taken again by an
    embedded worker, nor republished to the broker, before the hold is over."""
    run_id = queue_boot(db, logs_dir)
    with db.write() as session:
        claim = lease.claim_run(session, run_id=run_id, worker="w", lease_seconds=30)
        assert claim is not None
    with db.write() as session:
        assert lease.fail_run(session, claim=claim, error="disk full", retry=True, hold_seconds=60)
    with db.write() as session:
        assert lease.next_queued_ids(session) == []
        assert lease.take_unpublished(session, older_than=0) == []
        session.execute(
            AnalysisRun.__table__.update().values(enqueued_at=utcnow() - timedelta(seconds=1))
        )
    with db.write() as session:
        assert lease.next_queued_ids(session) == [run_id]
        assert lease.take_unpublished(session, older_than=0) == [run_id]
