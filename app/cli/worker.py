"""``cvmreview worker``: an analysis worker outside the web server.

With CVMREVIEW_BROKER_URL it is a Celery worker on Redis (run any number, on any machine, all
pointing at the same DATABASE_URL). Without a broker it polls the database directly, which is
enough to add workers to a server started with ``--workers 0``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from pathlib import Path

import click

from app.cli import cli
from app.config import Settings, load_settings


@cli.command("worker")
@click.option("--concurrency", type=int, default=None, help="Parallel analyses (default: CPUs).")
@click.option(
    "--pool",
    type=click.Choice(["prefork", "solo", "threads"]),
    default="prefork",
    show_default=True,
    help="Celery execution pool.",
)
@click.option("--loglevel", default="info", show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL).",
)
def worker(concurrency: int | None, pool: str, loglevel: str, data_dir: Path | None) -> None:
    """Analyse queued boots (Celery on CVMREVIEW_BROKER_URL, else by polling the database)."""
    settings = load_settings(data_dir=data_dir)
    logging.basicConfig(level=loglevel.upper(), format="%(levelname)s %(name)s: %(message)s")
    count = concurrency or os.cpu_count() or 1
    if settings.broker_url:
        _run_celery(settings, count, pool, loglevel)
    else:
        _run_polling(settings, count)


def _run_celery(settings: Settings, concurrency: int, pool: str, loglevel: str) -> None:
    from celery import signals

    from app.db.session import Database
    from app.jobs import celery_app
    from app.jobs.queue import CeleryQueue, job_settings

    assert settings.broker_url is not None
    celery_app.configure(settings)
    reaper: list[CeleryQueue] = []

    def start_reaper(**_: object) -> None:
        # In the main process, after the pool has forked, so no child inherits its connections.
        queue = CeleryQueue(
            Database(settings.sqlalchemy_url, pool_size=1),
            broker_url=settings.broker_url or "",
            settings=job_settings(settings),
            requeue_seconds=settings.requeue_seconds,
            poll_seconds=settings.poll_seconds,
        )
        queue.start()
        reaper.append(queue)

    signals.worker_ready.connect(start_reaper, weak=False)
    app = celery_app.create_celery(settings.broker_url)
    click.echo(f"cvmreview worker: celery on {settings.broker_url}, {concurrency} x {pool}")
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--loglevel={loglevel}",
            "--queues=cvmreview",
            f"--hostname=cvmreview-{os.getpid()}@{socket.gethostname()}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    for queue in reaper:
        queue.stop()


def _run_polling(settings: Settings, concurrency: int) -> None:
    from app.db.session import Database
    from app.jobs.queue import InProcessQueue, job_settings

    db = Database(settings.sqlalchemy_url, pool_size=concurrency + 2)
    queue = InProcessQueue(
        db,
        workers=concurrency,
        mode=settings.worker_mode,
        settings=job_settings(settings),
        poll_seconds=settings.poll_seconds,
    )
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    click.echo(f"cvmreview worker: polling the database, {concurrency} worker(s)")
    queue.start()
    done.wait()
    queue.stop()
    db.dispose()
