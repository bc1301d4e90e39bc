"""Root fixtures: settings, app and client on SQLite *and* PostgreSQL, and service checks.

Any test that takes ``settings`` (or ``client``, ``db``, ...) runs once per backend: a SQLite
file in a temporary directory, and a PostgreSQL database created for this test session in the
``test`` cluster on 127.0.0.1:5432 (dropped at the end). The schema comes from the real Alembic
migrations, run once per session per backend; each test then starts from empty tables.

PostgreSQL and Redis run on this machine; when one is missing the test is skipped locally and
fails under ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy import text

import app
from app.config import Settings
from app.db.base import Base
from app.db.migrate import upgrade
from app.db.session import Database

ROOT = Path(__file__).resolve().parents[1]
LOGS_DIR = Path(app.__file__).parent / "data" / "logs"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def require_service(name: str, error: Exception) -> None:
    """Skip locally, fail under CI: the services are part of this machine."""
    message = f"{name} is not available: {error}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


class IsolatedSettings(Settings):
    """Settings that read nothing from the environment or .env: only what a test passes."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@pytest.fixture(scope="session")
def logs_dir() -> Path:
    return LOGS_DIR


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database ``cvmreview_test_<random>`` for this session, dropped afterwards."""
    import psycopg

    name = f"cvmreview_test_{secrets.token_hex(4)}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=5"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        require_service("PostgreSQL on 127.0.0.1:5432", exc)
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    upgrade(url)
    yield url
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error:
        pass


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "cvmreview.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


def truncate_all(url: str) -> None:
    database = Database(url, pool_size=1)
    try:
        with database.write() as session:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        database.dispose()


@pytest.fixture
def database_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database on the backend of this parametrization."""
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "data" / "cvmreview.db"
        target.parent.mkdir()
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    truncate_all(url)
    return url


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "job_backend": "inprocess",
        "workers": 1,
        "worker_mode": "thread",
        "poll_seconds": 0.1,
        "lease_seconds": 10.0,
        "migrate_on_start": False,
        "secret_key": "test-secret-key",
    }
    values.update(overrides)
    return IsolatedSettings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.sqlalchemy_url, pool_size=2)
    yield database
    database.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[Any]:
    """A TestClient on ``create_app(settings)`` with one embedded worker thread."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def make_token(db: Database) -> Callable[..., str]:
    """``make_token(project, scopes="upload,read", public=False)`` -> a Bearer secret."""
    from app.db import accounts, queries

    def factory(project: str = "acme", scopes: str = "upload,read", public: bool = False) -> str:
        with db.write() as session:
            target = queries.get_or_create_project(session, name=project, public_read=public)
            _, secret = accounts.create_token(session, project=target, scopes=scopes.split(","))
        return secret

    return factory


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        require_service("Redis on 127.0.0.1:6379", exc)
    return REDIS_URL
