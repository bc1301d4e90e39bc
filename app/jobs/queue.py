"""How queued runs reach a worker: embedded threads (default) or Celery on Redis.

Either way the ``analysis_runs`` row is the truth and the queue only a wake-up call: the API
commits the queued run first and then calls ``enqueue``; if that call is lost (broker down,
server killed) a reaper republishes every queued run nobody has taken, and requeues runs whose
worker's lease ran out. So an accepted upload is always analysed eventually.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from app.db.session import Database
from app.service import lease
from app.service.processing import JobQueue, JobSettings, job_settings, process_run, reap

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)
TASK_NAME = "cvmreview.analyse_run"


class InProcessQueue:
    """Worker threads inside the server, analysing in threads or in a process pool."""

    name = "inprocess"

    def __init__(
        self,
        db: Database,
        *,
        workers: int,
        mode: str = "thread",
        settings: JobSettings,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db, self.workers, self.mode = db, workers, mode
        self.settings, self.poll_seconds = settings, poll_seconds
        self.wakeup = threading.Condition()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.executor: Executor | None = None

    def start(self) -> None:
        if self.workers <= 0 or self.threads:
            return
        if self.mode == "process":
            self.executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        for index in range(self.workers):
            thread = threading.Thread(
                target=self._loop, args=(index,), name=f"cvmreview-worker-{index}", daemon=True
            )
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        with self.wakeup:
            self.wakeup.notify_all()
        for thread in self.threads:
            thread.join(timeout=30)
        self.threads.clear()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    def enqueue(self, run_ids: Sequence[int]) -> None:
        with self.wakeup:
            self.wakeup.notify(len(run_ids))

    def _loop(self, index: int) -> None:
        while not self.stopping.is_set():
            try:
                if index == 0:
                    reap(self.db, settings=self.settings)
                worked = self._work_once()
            except Exception:
                log.warning("embedded worker %s: database error; retrying", index, exc_info=True)
                worked = False
            if not worked:
                with self.wakeup:
                    self.wakeup.wait(self.poll_seconds)

    def _work_once(self) -> bool:
        """Process one queued run if there is one; False when the queue is empty."""
        with self.db.read() as session:
            candidates = lease.next_queued_ids(session)
        for run_id in candidates:
            if self.stopping.is_set():
                return False
            try:
                outcome = process_run(
                    self.db, run_id, settings=self.settings, executor=self.executor
                )
            except BrokenProcessPool:
                self._restart_pool()
                return True
            if outcome != "skipped":
                return True
        return False

    def _restart_pool(self) -> None:
        log.warning("analysis process pool broke; starting a new one")
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn")
        )


class CeleryQueue:
    """Publishes run ids to Celery; a reaper thread republishes what was lost."""

    name = "celery"

    def __init__(
        self,
        db: Database,
        *,
        broker_url: str,
        settings: JobSettings,
        requeue_seconds: float = 30.0,
        poll_seconds: float = 1.0,
    ) -> None:
        from app.jobs.celery_app import create_celery

        self.db, self.settings = db, settings
        self.requeue_seconds, self.poll_seconds = requeue_seconds, poll_seconds
        self.celery = create_celery(broker_url)
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._reaper, name="cvmreview-reaper", daemon=True
            )
            self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
            self.thread = None

    def enqueue(self, run_ids: Sequence[int]) -> None:
        for run_id in run_ids:
            try:
                self.celery.send_task(TASK_NAME, args=[run_id])
            except Exception:
                log.warning(
                    "could not publish run %s; the reaper will retry", run_id, exc_info=True
                )

    def _reaper(self) -> None:
        while not self.stopping.wait(self.poll_seconds):
            try:
                republish(self, self.db, settings=self.settings, older_than=self.requeue_seconds)
            except Exception:
                log.warning("reaper: database or broker error; retrying", exc_info=True)


def republish(queue: JobQueue, db: Database, *, settings: JobSettings, older_than: float) -> int:
    """Release dead workers' runs and publish every queued run not published lately."""
    reap(db, settings=settings)
    with db.write() as session:
        ids = lease.take_unpublished(session, older_than=older_than)
    if ids:
        queue.enqueue(ids)
    return len(ids)


def get_queue(settings: Settings, db: Database, *, workers: int | None = None) -> JobQueue:
    """The queue ``settings`` ask for; ``workers`` overrides the embedded worker count."""
    if settings.job_backend == "celery":
        assert settings.broker_url is not None
        return CeleryQueue(
            db,
            broker_url=settings.broker_url,
            settings=job_settings(settings),
            requeue_seconds=settings.requeue_seconds,
            poll_seconds=settings.poll_seconds,
        )
    return InProcessQueue(
        db,
        workers=settings.workers if workers is None else workers,
        mode=settings.worker_mode,
        settings=job_settings(settings),
        poll_seconds=settings.poll_seconds,
    )
