"""Engines and sessions from a URL; nothing is created at import time.

SQLite gets WAL mode, foreign keys, a busy timeout and, for sessions that will write,
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes fails at once with
"database is locked" when another writer got in between, whereas an immediate one waits its turn.
PostgreSQL connections are pre-pinged so a server restart costs one failed request at most.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_MS = 30_000
POOL_TIMEOUT_SECONDS = 10  # a pool this busy means overload: answer 503, do not queue for long
POSTGRES_DISK_FULL = "53100"  # SQLSTATE disk_full: "could not extend file ...: No space left"
SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"


def storage_full(error: BaseException) -> bool:
    """Whether a database error says its disk is full (on either backend): unlike an outage,
    retrying soon will not help until someone frees space, and callers are told so."""
    cause = getattr(error, "orig", None) or error
    if getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL:
        return True
    return getattr(cause, "sqlite_errorcode", None) == SQLITE_FULL


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` with ``pool_size`` pooled connections (as many again on overflow);
    creates the SQLite file's directory if needed."""
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": pool_size, "pool_timeout": POOL_TIMEOUT_SECONDS}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
            **(pool if parsed.database not in (None, "", ":memory:") else {}),
        )
        _install_sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10}, **pool)


class Database:
    """An engine plus the two session factories the service uses (read and write)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        write_engine = self.engine.execution_options(sqlite_immediate=True)
        self.write_sessions = sessionmaker(write_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.read_sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction that commits on success and rolls back on error."""
        with self.write_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
