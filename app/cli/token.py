"""``cvmreview token create``: an API token for CI jobs; the secret is the last line printed."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli import cli
from app.config import load_settings


@cli.group("token")
def token_group() -> None:
    """API tokens (Bearer) for machines, one project each."""


@token_group.command("create")
@click.option("--project", required=True, help="Project the token belongs to (created if new).")
@click.option(
    "--scopes",
    default="upload,read",
    show_default=True,
    help="Comma-separated: upload, read, admin.",
)
@click.option("--name", default="", help="A label to recognise the token by.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL).",
)
def create_token_command(project: str, scopes: str, name: str, data_dir: Path | None) -> None:
    """Create a token and print it alone on the last line (it is shown only once)."""
    from app.db import accounts, queries
    from app.db.migrate import upgrade
    from app.db.session import Database

    try:
        wanted = accounts.parse_scopes(scopes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    settings = load_settings(data_dir=data_dir)
    upgrade(settings.sqlalchemy_url)
    db = Database(settings.sqlalchemy_url, pool_size=1)
    try:
        with db.write() as session:
            target = queries.get_or_create_project(session, name=project)
            token, secret = accounts.create_token(session, project=target, scopes=wanted, name=name)
            scope_text = token.scopes
    finally:
        db.dispose()
    click.echo(f"token for project {project!r} with scopes {scope_text} (shown once):", err=True)
    click.echo(secret)
