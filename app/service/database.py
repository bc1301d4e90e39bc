"""Open the database for a process that serves or loads boots (the server, the CLI).

Start-up applies the migrations when configured (one way to get a schema) and flags results of
older engine versions as stale, so the pages and the API say which results need re-analysis.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.config import Settings
from app.db import queries
from app.db.migrate import upgrade
from app.db.session import Database

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> Database:
    """Migrate, connect and mark stale results; used by the server and the CLI."""
    from app.analysis.document import ENGINE_VERSION, SCHEMA_VERSION

    if settings.migrate_on_start:
        upgrade(settings.sqlalchemy_url)
    db = Database(settings.sqlalchemy_url, pool_size=settings.pool_size)
    with db.write() as session:
        stale = queries.mark_stale(
            session, engine_version=ENGINE_VERSION, schema_version=SCHEMA_VERSION
        )
    if stale:
        log.warning("%d boots have results from another engine or schema version (stale)", stale)
    return db


@contextmanager
def admin_session(settings: Settings) -> Iterator[Session]:
    """One write session for a one-shot command (``cvmreview user``, ``token``): the schema is
    migrated first (a fresh data directory works), the session commits at the end, and the
    single connection is closed whatever happens."""
    upgrade(settings.sqlalchemy_url)
    db = Database(settings.sqlalchemy_url, pool_size=1)
    try:
        with db.write() as session:
            yield session
    finally:
        db.dispose()
