"""``cvmreview user``: accounts for people, with a role per project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session

from app.cli import admin_session, cli

if TYPE_CHECKING:
    from app.db.models import User

ROLE_CHOICE = click.Choice(["viewer", "reviewer", "admin"])
data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL).",
)
password_option = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="CVMREVIEW_PASSWORD",
    help="Asked for when not given (or CVMREVIEW_PASSWORD).",
)


def _existing_user(session: Session, username: str) -> User:
    from app.db import accounts

    user = accounts.get_user(session, username=username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@cli.group("user")
def user_group() -> None:
    """User accounts (passwords are stored as argon2 hashes)."""


@user_group.command("create")
@click.argument("username")
@password_option
@click.option("--project", help="Give the user a role in this project (created if new).")
@click.option("--role", type=ROLE_CHOICE, default="viewer", show_default=True)
@click.option("--admin", is_flag=True, help="Site administrator: every right on every project.")
@data_dir_option
def create_user_command(
    username: str,
    password: str,
    project: str | None,
    role: str,
    admin: bool,
    data_dir: Path | None,
) -> None:
    """Create a user, optionally with a role in one project."""
    from sqlalchemy.exc import IntegrityError

    from app.db import accounts, queries

    try:
        with admin_session(data_dir) as session:
            user = accounts.create_user(
                session, username=username, password=password, is_admin=admin
            )
            if project:
                target = queries.get_or_create_project(session, name=project)
                accounts.set_role(session, user=user, project=target, role=role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except IntegrityError:
        raise click.ClickException(f"user {username!r} exists already") from None
    where = f" ({role} of {project})" if project else ""
    click.echo(f"created user {username}{where}{' (site admin)' if admin else ''}")


@user_group.command("grant")
@click.argument("username")
@click.option("--project", required=True, help="Project (created if new).")
@click.option("--role", type=ROLE_CHOICE, required=True)
@data_dir_option
def grant_command(username: str, project: str, role: str, data_dir: Path | None) -> None:
    """Set a user's role in a project."""
    from app.db import accounts, queries

    with admin_session(data_dir) as session:
        target_user = _existing_user(session, username)
        target = queries.get_or_create_project(session, name=project)
        accounts.set_role(session, user=target_user, project=target, role=role)
    click.echo(f"{username} is {role} of {project}")


@user_group.command("password")
@click.argument("username")
@password_option
@data_dir_option
def password_command(username: str, password: str, data_dir: Path | None) -> None:
    """Set a user's password; every session signed in with the old one ends."""
    from app.db import accounts

    try:
        with admin_session(data_dir) as session:
            accounts.set_password(
                session, user=_existing_user(session, username), password=password
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {username} changed; their sessions have ended")
