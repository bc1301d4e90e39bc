"""The Alembic migrations build exactly the ORM schema, and go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.db.base import Base
from app.db.migrate import alembic_config, current_revision, upgrade
from app.db.session import make_engine


def test_migrations_match_models(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_migrations_downgrade_and_upgrade(database_url: str) -> None:
    head = current_revision(database_url)
    assert head is not None
    command.downgrade(alembic_config(database_url), "base")
    assert current_revision(database_url) is None
    upgrade(database_url)
    upgrade(database_url)  # idempotent
    assert current_revision(database_url) == head


def test_sqlite_uses_wal(tmp_path) -> None:
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'd' / 'x.db'}", pool_size=1)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
