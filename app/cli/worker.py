"""``cvmreview worker``: an analysis worker outside the web server.

With CVMREVIEW_BROKER_URL it is a Celery worker on Redis (run any number, on any machine, all
pointing at the same DATABASE_URL). Without a broker it polls the database directly, which is
enough to add workers to a server started with ``--workers 0``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from app.cli import cli
from app.config import load_settings
from app.entrypoints import run_celery_worker, run_polling_worker


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
        run_celery_worker(settings, count, pool, loglevel)
    else:
        run_polling_worker(settings, count)
