"""ORM models. Tables are plural, classes singular; every time is a UTC-aware datetime.

A ``Boot`` is one uploaded boot log (plus optional firmware) of a ``Project``. Its bytes live in
content-addressed ``Blob`` rows. Each analysis attempt series is an ``AnalysisRun``: the row is
the job (queued -> running with a lease -> done | failed), so a worker that dies loses nothing.
``Boot.status`` mirrors its latest run so lists can filter without a join; findings and device
statistics belong to the run that produced them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UtcDateTime, utcnow

STATUSES = ("queued", "running", "done", "failed")
ROLES = ("viewer", "reviewer", "admin")
SCOPES = ("upload", "read", "admin")


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    public_read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Blob(Base):
    """Bytes addressed by the sha256 of their uncompressed content, stored gzip-compressed."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_size: Mapped[int] = mapped_column(BigInteger)
    compression: Mapped[str] = mapped_column(String(16), default="gzip")
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BlobChunk(Base):
    """One independently gzipped piece (~1 MiB, cut after a newline) of a "gzip-chunks" blob.

    Blobs stored this way keep an empty ``Blob.data``; the line index (``first_line``,
    ``line_count``) lets the log viewer read only the chunks a line range needs.
    """

    __tablename__ = "blob_chunks"
    __table_args__ = (Index("ix_blob_chunks_blob_sha256_first_line", "blob_sha256", "first_line"),)

    blob_sha256: Mapped[str] = mapped_column(
        ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_line: Mapped[int] = mapped_column(Integer)
    line_count: Mapped[int] = mapped_column(Integer)
    raw_offset: Mapped[int] = mapped_column(BigInteger)
    raw_size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Boot(Base):
    __tablename__ = "boots"
    __table_args__ = (
        UniqueConstraint("project_id", "origin_id", name="uq_boots_project_id_origin_id"),
        Index("ix_boots_project_id_created_at", "project_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    branch: Mapped[str | None] = mapped_column(String(255), index=True)
    commit: Mapped[str | None] = mapped_column(String(64))
    ci_url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    origin_id: Mapped[str | None] = mapped_column(String(255))
    log_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    log_bytes: Mapped[int] = mapped_column(BigInteger)
    log_lines: Mapped[int] = mapped_column(Integer)
    firmware_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    firmware_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # QEMU's trace output uploaded apart from the log (README "Host view")
    host_trace_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    synthesized: Mapped[bool] = mapped_column(Boolean, default=False)
    provenance: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(16), index=True)
    worst_severity: Mapped[str | None] = mapped_column(String(16))
    severity_rank: Mapped[int | None] = mapped_column(Integer, index=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    # The run whose results are shown (no foreign key: runs already point at boots).
    result_run_id: Mapped[int | None] = mapped_column(Integer)
    # The baseline the upload named (None: the last passing boot like it; service.baseline).
    baseline_id: Mapped[int | None] = mapped_column(Integer)
    # Policy fields this upload overrode (service.verdict.PolicyOverrides), None: none.
    policy_overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(lazy="joined")


class AnalysisRun(Base):
    """One analysis job; the row is the source of truth for its state."""

    __tablename__ = "analysis_runs"
    __table_args__ = (Index("ix_analysis_runs_status_lease", "status", "lease_expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    boot_id: Mapped[int] = mapped_column(ForeignKey("boots.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    engine_version: Mapped[str | None] = mapped_column(String(64))
    schema_version: Mapped[str | None] = mapped_column(String(64))
    result_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_seconds: Mapped[float | None] = mapped_column(Float)


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    boot_id: Mapped[int] = mapped_column(ForeignKey("boots.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list[int]] = mapped_column(JSON, default=list)
    count: Mapped[int] = mapped_column(Integer, default=1)
    fingerprint: Mapped[str] = mapped_column(String(128), index=True)
    key: Mapped[str | None] = mapped_column(Text)


class DeviceStat(Base):
    __tablename__ = "device_stats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    boot_id: Mapped[int] = mapped_column(ForeignKey("boots.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), index=True
    )
    device: Mapped[str] = mapped_column(String(255))
    attribution_method: Mapped[str | None] = mapped_column(String(64))
    maps_by_operation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    pages: Mapped[int] = mapped_column(BigInteger, default=0)
    bounce_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    transitions: Mapped[int] = mapped_column(BigInteger, default=0)
    peak_shared_pages: Mapped[int] = mapped_column(BigInteger, default=0)
    shared_page_time: Mapped[float | None] = mapped_column(Float)


class ApiToken(Base):
    """A machine credential for one project; only the sha256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    project: Mapped[Project] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Membership(Base):
    """A user's role in one project (viewer, reviewer or admin)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "project_id", name="uq_memberships_user_project"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))


# Tables defined in other modules, on the same metadata (migrations and schema checks see them).
from app.db import policy as _policy  # noqa: E402,F401
from app.db import review as _review  # noqa: E402,F401
