"""The ``cvmreview`` command line.

The group lives here; each command is a thin wrapper in its own sibling module (``analyze.py``,
``firmware.py``, ``serve.py``, ...) that parses arguments and calls the library. Commands are
imported at the bottom so that ``@cli.command`` in those modules finds the group.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cvmreview")
def cli() -> None:
    """Review the boots of confidential VMs (SEV, SEV-ES, SEV-SNP, TDX) from OVMF/TDVF logs."""


def fail(message: str) -> NoReturn:
    """A one-line ``error:`` message on stderr and exit status 2 (unusable input or output):
    what every command does instead of a traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@contextmanager
def admin_session(data_dir: Path | None) -> Iterator[Session]:
    """A write session on the configured database (migrated first), committed at the end: what
    the account and token commands run in."""
    from app.config import load_settings
    from app.service.database import admin_session as open_admin_session

    with open_admin_session(load_settings(data_dir=data_dir)) as session:
        yield session


def _register_commands() -> None:
    """Import the command modules; each registers itself on ``cli`` with ``@cli.command``.
    Add a line here for a new command module."""
    from app.cli import (  # noqa: F401
        analyze,
        capture,
        db,
        demo,
        export,
        firmware,
        serve,
        synth,
        token,
        upload,
        user,
        version,
        worker,
    )


_register_commands()
