"""Verdict policies: what makes a boot of a project fail, stored and versioned.

Each change of a project's policy is a new row with the next ``version``; old rows stay, so a
verdict names the policy version it was judged by and an old verdict can be explained later.
A project without a row has the built-in policy version 0 (``DEFAULT_FAIL_ON``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db.base import Base, UtcDateTime, utcnow

DEFAULT_FAIL_ON = "high"


class VerdictPolicy(Base):
    __tablename__ = "verdict_policies"
    __table_args__ = (
        UniqueConstraint("project_id", "version", name="uq_verdict_policies_project_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    fail_on: Mapped[str] = mapped_column(String(16))  # a severity, or "none"
    fail_rules: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated IDs
    # fail on a finding the boot's baseline did not have (service.baseline)
    fail_on_new: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # thresholds (app.service.verdict.THRESHOLDS); None: no limit
    max_shared_pages: Mapped[int | None] = mapped_column(BigInteger)  # at hand-off
    max_transitions: Mapped[int | None] = mapped_column(BigInteger)  # encryption transitions
    max_bounce_bytes: Mapped[int | None] = mapped_column(BigInteger)  # IoMmu bounce buffers
    max_debug_exits: Mapped[int | None] = mapped_column(BigInteger)  # debug_cost.exits
    author: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def current_policy(session: Session, *, project_id: int) -> VerdictPolicy | None:
    stmt = (
        select(VerdictPolicy)
        .where(VerdictPolicy.project_id == project_id)
        .order_by(VerdictPolicy.version.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def add_policy(
    session: Session,
    *,
    project_id: int,
    fail_on: str,
    fail_rules: list[str],
    author: str,
    fail_on_new: bool = False,
    limits: Mapping[str, int | None] | None = None,
) -> VerdictPolicy:
    """The project's next policy version; ``limits`` sets threshold columns by name
    (``max_shared_pages``...), absent ones stay NULL (no limit)."""
    previous = current_policy(session, project_id=project_id)
    policy = VerdictPolicy(
        project_id=project_id,
        version=(previous.version if previous else 0) + 1,
        fail_on=fail_on,
        fail_rules=",".join(fail_rules),
        fail_on_new=fail_on_new,
        author=author,
        **dict(limits or {}),
    )
    session.add(policy)
    session.flush()
    return policy


def false_positive_fingerprints(session: Session, *, project_id: int) -> set[str]:
    """Fingerprints a reviewer marked false-positive on any boot of the project (the mark
    carries over to later boots: the same finding of a re-upload is the same false positive)."""
    from app.db.models import Boot
    from app.db.review import FindingStatus

    stmt = (
        select(FindingStatus.fingerprint)
        .join(Boot, Boot.id == FindingStatus.boot_id)
        .where(Boot.project_id == project_id, FindingStatus.status == "false-positive")
    )
    return set(session.scalars(stmt))
