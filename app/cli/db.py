"""``cvmreview db``: schema migrations and bulk re-analysis."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli import cli
from app.config import load_settings

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL).",
)


@cli.group("db")
def db_group() -> None:
    """Database maintenance (the same database `cvmreview serve` uses)."""


@db_group.command("upgrade")
@data_dir_option
def upgrade_command(data_dir: Path | None) -> None:
    """Apply the migrations in migrations/ (the server also does this at start)."""
    from app.db.migrate import current_revision, upgrade

    settings = load_settings(data_dir=data_dir)
    upgrade(settings.sqlalchemy_url)
    click.echo(f"database at revision {current_revision(settings.sqlalchemy_url)}")


@db_group.command("reanalyse-stale")
@data_dir_option
@click.option("--project", help="Only this project.")
def reanalyse_stale_command(data_dir: Path | None, project: str | None) -> None:
    """Queue every boot analysed by another engine version (workers pick them up)."""
    from app.db import queries
    from app.service.database import prepare_database

    settings = load_settings(data_dir=data_dir)
    db = prepare_database(settings)
    try:
        with db.write() as session:
            ids = None
            if project is not None:
                found = queries.get_project(session, name=project)
                if found is None:
                    raise click.ClickException(f"no project {project!r}")
                ids = [found.id]
            boots = queries.list_stale_boots(session, project_ids=ids)
            for boot in boots:
                queries.create_run(session, boot=boot)
        click.echo(f"queued {len(boots)} stale boot(s) for analysis")
    finally:
        db.dispose()
