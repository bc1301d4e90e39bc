"""Apply the Alembic migrations in ``migrations/`` (found by ``app.resources``) to a database URL.

Used by ``cvmreview db upgrade``, by the server at start-up and by the test fixtures, so there
is exactly one way a schema comes to exist.
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config

from app.resources import alembic_ini, migrations_dir

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    config = Config(str(alembic_ini()))
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from app.db.session import make_engine

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
