"""Team review data: comments, finding statuses per boot, known issues per project.

Statuses and known issues are keyed by the finding's *fingerprint* (rule, rule version and
key), never by a findings row id: a re-analysis replaces the rows of ``findings`` but keeps
the fingerprints, so what reviewers said survives it. Comments may point at the whole boot,
at a finding (by fingerprint) or at one log line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UtcDateTime, utcnow

FINDING_STATUSES = ("open", "acknowledged", "false-positive", "fixed")
MAX_COMMENT_CHARS = 10_000


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_boot_id_created_at", "boot_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    boot_id: Mapped[int] = mapped_column(ForeignKey("boots.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    line: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FindingStatus(Base):
    """A reviewer's verdict on one finding of one boot (absent means open)."""

    __tablename__ = "finding_statuses"
    __table_args__ = (
        UniqueConstraint("boot_id", "fingerprint", name="uq_finding_statuses_boot_fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    boot_id: Mapped[int] = mapped_column(ForeignKey("boots.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32), default="open")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class KnownIssue(Base):
    """A fingerprint a project accepts: suppressed in verdict displays, still counted."""

    __tablename__ = "known_issues"
    __table_args__ = (
        UniqueConstraint("project_id", "fingerprint", name="uq_known_issues_project_fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(128))
    rule_id: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
