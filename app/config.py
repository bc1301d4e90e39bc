"""Service settings: environment -> ``Settings`` -> plain values handed to the code below.

Only entry points (``create_app``, the CLI commands, worker start-up, ``migrations/env.py``)
call ``get_settings()``; everything under them receives a URL, a path or a number. Nothing is
instantiated at import time, so tests build ``Settings(...)`` themselves and never read the
developer's environment by accident.

Precedence: process environment, then ``.env``, then the defaults below. Every variable is
``CVMREVIEW_<NAME>``; ``DATABASE_URL`` is honoured too because every PaaS and compose file sets it.
"""

from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024
DEFAULT_SECRET = "change-me"  # the secret of old defaults and examples: public, never trusted
MIN_SECRET_CHARS = 16
SECRET_FILE = "secret_key"
log = logging.getLogger(__name__)


def normalize_database_url(url: str) -> str:
    """Make every PostgreSQL URL use psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    """Every knob of the service, documented by its description."""

    model_config = SettingsConfigDict(
        env_prefix="CVMREVIEW_",
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    env: Literal["dev", "test", "prod"] = Field(
        default="dev", description="prod requires an explicit, strong secret_key"
    )
    data_dir: Path = Field(
        default=Path(".cvmreview"), description="directory of the SQLite database"
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CVMREVIEW_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; SQLite in data_dir when unset",
    )
    broker_url: str | None = Field(default=None, description="redis:// URL: jobs go through Celery")
    job_backend: Literal["inprocess", "celery"] | None = Field(
        default=None, description="defaults to celery when broker_url is set, else inprocess"
    )
    workers: int = Field(default=2, ge=0, description="embedded analysis workers in `serve`")
    worker_mode: Literal["thread", "process"] = Field(
        default="process", description="embedded workers analyse in a process pool or in threads"
    )
    lease_seconds: float = Field(
        default=60.0, gt=0, description="a running job's lease, renewed live"
    )
    max_attempts: int = Field(default=3, ge=1, description="attempts before a job fails visibly")
    poll_seconds: float = Field(
        default=1.0, gt=0, description="how often idle workers look for jobs"
    )
    requeue_seconds: float = Field(
        default=120.0, gt=0, description="republish a queued job to the broker after this long"
    )
    storage_retry_seconds: float = Field(
        default=30.0, ge=0, description="a job whose result found the disk full waits this long"
    )
    max_concurrent_requests: int = Field(
        default=32, ge=1, description="requests served at once (threads and pooled connections)"
    )
    max_queued_requests: int = Field(
        default=256, ge=0, description="requests waiting for a slot; more are refused with 503"
    )
    queue_wait_seconds: float = Field(
        default=5.0, gt=0, description="longest wait for a slot before a 503 with Retry-After"
    )
    max_log_line_bytes: int = Field(
        default=64 * 1024, ge=1, description="raw-log API: longer lines are cut to this"
    )
    max_log_response_bytes: int = Field(
        default=16 * MIB, ge=1, description="raw-log API: a range stops before this many bytes"
    )
    max_log_search_bytes: int = Field(
        default=256 * MIB, ge=1, description="log search: bytes of log one request reads at most"
    )
    max_upload_bytes: int = Field(default=256 * MIB, gt=0, description="largest accepted upload")
    max_decompressed_bytes: int = Field(
        default=1024 * MIB, gt=0, description="largest gunzipped log"
    )
    max_gzip_ratio: float = Field(default=200.0, gt=1, description="largest gzip expansion ratio")
    secret_key: str = Field(
        default="",
        description="signs session cookies; unset: a random key kept in data_dir/secret_key",
    )
    cookie_secure: bool = Field(default=False, description="send session cookies over HTTPS only")
    session_max_age: int = Field(
        default=14 * 24 * 3600, gt=0, description="session lifetime, seconds"
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins of one username and address before lockout"
    )
    login_window_seconds: float = Field(
        default=900.0, gt=0, description="the period in which failed sign-ins are counted"
    )
    login_lockout_seconds: float = Field(
        default=300.0, gt=0, description="how long a locked-out username and address wait"
    )
    migrate_on_start: bool = Field(
        default=True, description="apply migrations when the server starts"
    )
    public_url: str | None = Field(
        default=None, description="base URL used in links; request URL if unset"
    )

    @field_validator("database_url")
    @classmethod
    def _normalize_url(cls, value: str | None) -> str | None:
        return normalize_database_url(value) if value else value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.job_backend is None:
            self.job_backend = "celery" if self.broker_url else "inprocess"
        if self.job_backend == "celery" and not self.broker_url:
            raise ValueError("job_backend=celery needs CVMREVIEW_BROKER_URL")
        if self.env == "prod" and weak_secret(self.secret_key):
            raise ValueError(
                f"set CVMREVIEW_SECRET_KEY to a random string of {MIN_SECRET_CHARS}+ characters"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL; the embedded default is a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.expanduser().resolve() / 'cvmreview.db'}"

    @property
    def pool_size(self) -> int:
        """Pooled connections: one per request served at once, plus the embedded workers'.

        A request may hold a second connection (a write next to its read session); those come
        from the overflow, so no request served at once ever waits for the pool."""
        return self.max_concurrent_requests + self.workers + 2

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


def weak_secret(secret: str) -> bool:
    """Unset, the public default, or too short to resist guessing."""
    return secret == DEFAULT_SECRET or len(secret) < MIN_SECRET_CHARS


def with_secret_key(settings: Settings) -> Settings:
    """``settings`` with a usable cookie key: the configured one, else a random one generated
    into ``data_dir/secret_key`` (mode 0600) on first start and read back on every later one,
    so sessions survive restarts and no two installations share a key."""
    if settings.secret_key:
        return settings
    path = settings.data_dir.expanduser() / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text().strip()
        if path.stat().st_mode & 0o077:
            log.warning("%s is readable by other users; chmod 600 it", path)
    else:
        secret = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w") as out:
            out.write(secret + "\n")
        log.info("generated a session key in %s", path)
    if weak_secret(secret):
        raise ValueError(f"{path} holds a weak key; delete it to get a new one")
    return settings.model_copy(update={"secret_key": secret})


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment with explicit (CLI) values on top; None means unset."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]
