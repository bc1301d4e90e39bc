"""``cvmreview token create|list|revoke``: API tokens for CI jobs.

``create`` prints the secret alone on the last line (it is shown only once; only its sha256 is
stored); ``list`` shows tokens by ID and prefix, never a secret; ``revoke`` makes a token
unusable at once (the API answers it with 401 like an unknown one).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from app.cli import admin_session, cli, fail
from app.cli.tables import format_option, log_safe, print_table

DATA_DIR_HELP = "Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL)."


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
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
def create_token_command(project: str, scopes: str, name: str, data_dir: Path | None) -> None:
    """Create a token and print it alone on the last line (it is shown only once)."""
    from app.db import accounts, queries

    try:
        wanted = accounts.parse_scopes(scopes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    with admin_session(data_dir) as session:
        target = queries.get_or_create_project(session, name=project)
        token, secret = accounts.create_token(session, project=target, scopes=wanted, name=name)
        scope_text = token.scopes
    click.echo(f"token for project {project!r} with scopes {scope_text} (shown once):", err=True)
    click.echo(secret)


@token_group.command("list")
@click.option("--project", help="Only this project's tokens.")
@click.option("--all", "include_revoked", is_flag=True, help="Also revoked tokens.")
@format_option("a table (text) or a JSON list (json)")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
def list_tokens_command(
    project: str | None, include_revoked: bool, output_format: str, data_dir: Path | None
) -> None:
    """List tokens: ID, prefix, project, scopes, name, when created, last used, revoked."""
    from app.db import accounts

    with admin_session(data_dir) as session:
        rows = [
            {
                "id": token.id,
                "prefix": token.prefix,
                "project": token.project.name,
                "scopes": token.scopes,
                "name": token.name,
                "created": _when(token.created_at),
                "last_used": _when(token.last_used_at),
                "revoked": _when(token.revoked_at),
            }
            for token in accounts.list_tokens(
                session, project=project, include_revoked=include_revoked
            )
        ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no tokens")
        return
    table = Table(title="API tokens", title_justify="left")
    for column in rows[0]:
        table.add_column(column.replace("_", " "))
    for row in rows:
        table.add_row(*(str(value) if value not in (None, "") else "-" for value in row.values()))
    print_table(table, log_safe(Console()))


def _when(moment: object) -> str | None:
    return None if moment is None else str(moment)[:19]


@token_group.command("revoke")
@click.argument("token_ref", metavar="ID_OR_PREFIX")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
def revoke_token_command(token_ref: str, data_dir: Path | None) -> None:
    """Revoke a token by its ID or its prefix (as ``token list`` shows them)."""
    from app.db import accounts

    with admin_session(data_dir) as session:
        matches = [
            token
            for token in accounts.list_tokens(session, include_revoked=True)
            if str(token.id) == token_ref or token.prefix == token_ref
        ]
        if len(matches) != 1:
            fail(f"no token {token_ref!r}" if not matches else f"{token_ref!r} is ambiguous")
        token = matches[0]
        if token.revoked_at is not None:
            fail(f"token {token.id} ({token.prefix}) is revoked already")
        accounts.revoke_token(session, token=token)
        label = f"token {token.id} ({token.prefix}) of project {token.project.name!r}"
    click.echo(f"revoked {label}")
