"""The Celery application for scale-out workers (imported only when a broker is configured).

Celery only carries run ids; the task claims the run in the database like an embedded worker
does, so a duplicate or redelivered message is harmless (the claim fails and it is skipped),
and a message lost with a killed worker is replaced by the reaper (``app.jobs.queue``), which
``cvmreview worker`` runs in its main process.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from celery import Celery

from app.config import Settings, get_settings
from app.db.session import Database
from app.jobs.queue import TASK_NAME
from app.service.processing import job_settings, process_run

log = logging.getLogger(__name__)


@dataclass
class _WorkerState:
    """Settings given by ``configure``; one ``Database`` per process (forked children too)."""

    settings: Settings | None = None
    pid: int = 0
    db: Database | None = None


_state = _WorkerState()


def configure(settings: Settings) -> None:
    """Called by ``cvmreview worker`` before Celery forks its pool processes."""
    _state.settings = settings


def create_celery(broker_url: str) -> Celery:
    """A Celery app on ``broker_url`` with the analysis task registered."""
    celery = Celery("cvmreview", broker=broker_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue="cvmreview",
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_transport_options={"socket_timeout": 10, "socket_connect_timeout": 10},
        worker_hijack_root_logger=False,
    )
    celery.task(name=TASK_NAME)(analyse_run)
    return celery


def _database() -> tuple[Database, Settings]:
    if _state.settings is None:
        _state.settings = get_settings()
    if _state.db is None or _state.pid != os.getpid():
        _state.pid = os.getpid()
        _state.db = Database(_state.settings.sqlalchemy_url, pool_size=2)
    return _state.db, _state.settings


def analyse_run(run_id: int) -> str:
    """Celery task body: the same ``process_run`` the embedded workers call."""
    db, settings = _database()
    outcome = process_run(db, run_id, settings=job_settings(settings))
    log.info("run %s: %s", run_id, outcome)
    return outcome
