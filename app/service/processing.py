"""Analyse one queued run: claim it, run the engine on its blobs, store the result.

Plain functions over a ``Database``: the embedded worker threads, the Celery task
(``app.jobs``) and ``cvmreview demo`` all call ``process_run``; ``JobQueue`` is what the
ingestion pokes afterwards, implemented by ``app.jobs.queue``. The engine runs on temporary
files (it takes paths); while it runs a heartbeat renews the lease, so only a dead worker's
job is ever picked up by someone else.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from app.analysis.document import ResultDocument
from app.analysis.errors import AnalysisError
from app.db.blobs import put_bytes, write_blob_file
from app.db.session import Database, storage_full
from app.service import lease

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)

Analyzer = Callable[..., ResultDocument]
RESULT_NOT_STORED = "the result could not be stored: the database's storage is full"


@dataclass(frozen=True)
class JobSettings:
    """The few numbers a worker needs, copied out of ``Settings`` by the entry point."""

    lease_seconds: float = 60.0
    max_attempts: int = 3
    storage_retry_seconds: float = 30.0


class JobQueue(Protocol):
    """How queued runs reach a worker (embedded threads or Celery: ``app.jobs.queue``)."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def enqueue(self, run_ids: Sequence[int]) -> None: ...


def job_settings(settings: Settings) -> JobSettings:
    return JobSettings(
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
        storage_retry_seconds=settings.storage_retry_seconds,
    )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def analyze_paths(
    log_path: str,
    firmware_path: str | None,
    display_name: str | None,
    host_trace_path: str | None = None,
) -> ResultDocument:
    """Run the engine (top level, so a process pool can pickle it and its result)."""
    from app.analysis.report import analyze_file

    return analyze_file(
        Path(log_path),
        firmware_path=Path(firmware_path) if firmware_path else None,
        display_name=display_name,
        host_trace_path=Path(host_trace_path) if host_trace_path else None,
    )


class _LostClaim(Exception):
    """Raised to roll back a completion whose claim expired and was taken over."""


class _Heartbeat(threading.Thread):
    """Renews a claim's lease every third of its length until stopped."""

    def __init__(self, db: Database, claim: lease.Claim, lease_seconds: float) -> None:
        super().__init__(name=f"lease-{claim.run_id}", daemon=True)
        self.db, self.claim, self.lease_seconds = db, claim, lease_seconds
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self.stopped.wait(self.lease_seconds / 3):
            try:
                with self.db.write() as session:
                    if not lease.renew_lease(
                        session, claim=self.claim, lease_seconds=self.lease_seconds
                    ):
                        self.lost = True
                        return
            except Exception:  # a database blip: try again next beat
                log.warning("could not renew lease of run %s", self.claim.run_id, exc_info=True)


def process_run(
    db: Database,
    run_id: int,
    *,
    settings: JobSettings,
    executor: Executor | None = None,
    analyzer: Analyzer = analyze_paths,
) -> str:
    """Claim and analyse ``run_id``; returns done, failed, requeued, lost or skipped."""
    with db.write() as session:
        claim = lease.claim_run(
            session, run_id=run_id, worker=worker_name(), lease_seconds=settings.lease_seconds
        )
    if claim is None:
        return "skipped"
    log.info("analysing run %s of boot %s (attempt %s)", run_id, claim.boot_id, claim.attempt)
    heartbeat = _Heartbeat(db, claim, settings.lease_seconds)
    heartbeat.start()
    started = time.monotonic()
    try:
        result = _analyse(db, claim, executor, analyzer)
    except AnalysisError as exc:
        return _fail(db, claim, heartbeat, f"the log cannot be analysed: {exc}", retry=False)
    except Exception as exc:
        log.exception("analysis of run %s crashed", run_id)
        retry = claim.attempt < settings.max_attempts
        message = f"internal error in the analysis ({type(exc).__name__}: {exc})"
        return _fail(db, claim, heartbeat, message, retry=retry)
    duration = time.monotonic() - started
    heartbeat.stopped.set()
    heartbeat.join()
    return _store(db, claim, result, duration, settings=settings, heartbeat=heartbeat)


def _store(
    db: Database,
    claim: lease.Claim,
    result: ResultDocument,
    duration: float,
    *,
    settings: JobSettings,
    heartbeat: _Heartbeat,
) -> str:
    """Write the result and complete the run: done, lost (the claim was taken over), or,
    when the database's disk is full, requeued or failed with that reason."""
    document = json.dumps(result.to_dict(), separators=(",", ":"), sort_keys=True).encode()
    try:
        with db.write() as session:
            sha = put_bytes(session, document)
            if not lease.complete_run(
                session, claim=claim, result=result, result_sha256=sha, duration=duration
            ):
                raise _LostClaim
    except _LostClaim:
        log.warning("run %s: lease lost before completion; result discarded", claim.run_id)
        return "lost"
    except Exception as exc:
        if not storage_full(exc):
            raise  # an outage: the lease runs out and the run is taken up again
        log.warning("run %s: the result could not be stored: storage full", claim.run_id)
        retry = claim.attempt < settings.max_attempts
        hold = settings.storage_retry_seconds
        return _fail(db, claim, heartbeat, RESULT_NOT_STORED, retry=retry, hold_seconds=hold)
    log.info("run %s done in %.2fs", claim.run_id, duration)
    return "done"


def _analyse(
    db: Database, claim: lease.Claim, executor: Executor | None, analyzer: Analyzer
) -> ResultDocument:
    with tempfile.TemporaryDirectory(prefix="cvmreview-run-") as tmp:
        log_path = Path(tmp) / "boot.log"
        firmware_path: Path | None = None
        trace_path: Path | None = None
        with db.read() as session:
            write_blob_file(session, claim.log_sha256, log_path)
            if claim.firmware_sha256:
                firmware_path = Path(tmp) / "firmware.fd"
                write_blob_file(session, claim.firmware_sha256, firmware_path)
            if claim.host_trace_sha256:
                trace_path = Path(tmp) / "host-trace.log"
                write_blob_file(session, claim.host_trace_sha256, trace_path)
        if firmware_path is None and claim.firmware_metadata is not None:
            # The engine reads firmware metadata JSON through the same parameter as an image.
            firmware_path = Path(tmp) / "firmware-metadata.json"
            firmware_path.write_text(json.dumps(claim.firmware_metadata))
        args: tuple[str | None, ...] = (
            str(log_path),
            str(firmware_path) if firmware_path else None,
            claim.boot_name,
        )
        if trace_path is not None:
            args += (str(trace_path),)
        if executor is None:
            return analyzer(*args)
        return executor.submit(analyzer, *args).result()


def _fail(
    db: Database,
    claim: lease.Claim,
    heartbeat: _Heartbeat,
    error: str,
    *,
    retry: bool,
    hold_seconds: float = 0.0,
) -> str:
    heartbeat.stopped.set()
    heartbeat.join()
    with db.write() as session:
        ok = lease.fail_run(
            session, claim=claim, error=error, retry=retry, hold_seconds=hold_seconds
        )
    if not ok:
        return "lost"
    return "requeued" if retry else "failed"


def reap(db: Database, *, settings: JobSettings) -> int:
    """Requeue or fail runs whose worker died; returns how many changed."""
    with db.write() as session:
        return lease.release_expired(session, max_attempts=settings.max_attempts)
