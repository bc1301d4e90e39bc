"""Where the templates, static files, migrations and alembic.ini are, installed or not.

The guide keeps them at the top of the repository, beside ``app/``. The package build copies
them into ``app/_resources/`` (``setup.py``), so an installed cvmreview finds them through the
package, never through the working directory; in a checkout or an editable install,
``app/_resources`` does not exist and the top-level directories are used in place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "_resources"
CHECKOUT = PACKAGE.parent


@cache
def resource(name: str) -> Path:
    """The path of a top-level resource (``templates``, ``static``, ``migrations``,
    ``alembic.ini``); a missing one is a broken install, said at start-up."""
    root = INSTALLED if INSTALLED.is_dir() else CHECKOUT
    path = root / name
    if path.exists() and (root is INSTALLED or (CHECKOUT / "pyproject.toml").is_file()):
        return path
    raise FileNotFoundError(
        f"cvmreview resource {name!r} is neither in {INSTALLED} (installed package) nor in "
        f"{CHECKOUT} (source checkout); reinstall cvmreview"
    )


def templates_dir() -> Path:
    return resource("templates")


def static_dir() -> Path:
    return resource("static")


def migrations_dir() -> Path:
    return resource("migrations")


def alembic_ini() -> Path:
    return resource("alembic.ini")
