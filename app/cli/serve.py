"""``cvmreview serve``: the web server with embedded analysis workers (nothing else to start)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from app.cli import cli
from app.config import load_settings


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL).",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Embedded analysis workers (CVMREVIEW_WORKERS, default 2; 0 with a broker).",
)
@click.option("--log-level", default="info", show_default=True, help="uvicorn log level.")
def serve(host: str, port: int, data_dir: Path | None, workers: int | None, log_level: str) -> None:
    """Serve the pages and the REST API (/api/v1, docs at /docs).

    Without CVMREVIEW_BROKER_URL the analysis runs in worker processes inside the server; with
    it, jobs go to Celery and `cvmreview worker` analyses them.
    """
    from app.entrypoints import serve as serve_app

    settings = load_settings(data_dir=data_dir, workers=workers)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    where = settings.database_url and "DATABASE_URL" or str(settings.data_dir.resolve())
    click.echo(f"cvmreview on http://{host}:{port}/  (data: {where}; jobs: {settings.job_backend})")
    serve_app(settings, host=host, port=port, log_level=log_level)
