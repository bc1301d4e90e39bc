"""Queries of the review pages: comments, finding statuses, known issues.

Keyword-only functions taking a ``Session``; none commits (the caller owns the transaction).
Validation errors are ``ValueError`` with a message meant for the person who typed the input.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import Boot, Project, User
from app.db.review import (
    FINDING_STATUSES,
    MAX_COMMENT_CHARS,
    Comment,
    FindingStatus,
    KnownIssue,
)


def list_branches(session: Session, *, project_ids: Collection[int] | None) -> list[str]:
    """Distinct branches of the visible boots (for the filter menu)."""
    stmt = select(Boot.branch).where(Boot.branch.is_not(None)).distinct()
    if project_ids is not None:
        stmt = stmt.where(Boot.project_id.in_(project_ids))
    return sorted(b for b in session.scalars(stmt) if b)


# -- comments -----------------------------------------------------------------------------


def list_comments(session: Session, *, boot_id: int) -> list[Comment]:
    """Every comment on a boot, oldest first (a conversation reads top-down)."""
    stmt = select(Comment).where(Comment.boot_id == boot_id)
    return list(session.scalars(stmt.order_by(Comment.created_at, Comment.id)))


def create_comment(
    session: Session,
    *,
    boot: Boot,
    user: User,
    body: str,
    fingerprint: str | None = None,
    line: int | None = None,
) -> Comment:
    """A comment on the boot, one of its findings or one of its log lines."""
    text = body.strip()
    if not text:
        raise ValueError("a comment cannot be empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise ValueError(f"a comment has at most {MAX_COMMENT_CHARS} characters")
    if line is not None and not 1 <= line <= max(boot.log_lines, 1):
        raise ValueError(f"line {line} is outside 1..{boot.log_lines}")
    comment = Comment(
        boot_id=boot.id,
        user_id=user.id,
        author=user.username,
        fingerprint=fingerprint or None,
        line=line,
        body=text,
    )
    session.add(comment)
    session.flush()
    return comment


# -- finding statuses ---------------------------------------------------------------------


def get_statuses(session: Session, *, boot_id: int) -> dict[str, FindingStatus]:
    """``{fingerprint: status row}`` of a boot; a finding without a row is open."""
    rows = session.scalars(select(FindingStatus).where(FindingStatus.boot_id == boot_id))
    return {row.fingerprint: row for row in rows}


def set_finding_status(
    session: Session, *, boot: Boot, fingerprint: str, status: str, user: User
) -> FindingStatus:
    if status not in FINDING_STATUSES:
        raise ValueError(f"unknown status {status!r}; use {', '.join(FINDING_STATUSES)}")
    row = session.scalar(
        select(FindingStatus).where(
            FindingStatus.boot_id == boot.id, FindingStatus.fingerprint == fingerprint
        )
    )
    if row is None:
        row = FindingStatus(boot_id=boot.id, fingerprint=fingerprint)
        session.add(row)
    row.status, row.user_id, row.author = status, user.id, user.username
    session.flush()
    return row


# -- known issues -------------------------------------------------------------------------


def list_known_issues(session: Session, *, project_id: int) -> dict[str, KnownIssue]:
    rows = session.scalars(select(KnownIssue).where(KnownIssue.project_id == project_id))
    return {row.fingerprint: row for row in rows}


def add_known_issue(
    session: Session, *, project: Project, fingerprint: str, rule_id: str, note: str, user: User
) -> KnownIssue:
    """Mark a fingerprint as known in ``project`` (idempotent: updates the note)."""
    row = session.scalar(
        select(KnownIssue).where(
            KnownIssue.project_id == project.id, KnownIssue.fingerprint == fingerprint
        )
    )
    if row is None:
        row = KnownIssue(project_id=project.id, fingerprint=fingerprint, rule_id=rule_id)
        session.add(row)
    row.note, row.user_id, row.author = note.strip()[:MAX_COMMENT_CHARS], user.id, user.username
    session.flush()
    return row


def remove_known_issue(session: Session, *, project: Project, fingerprint: str) -> bool:
    result = session.execute(
        delete(KnownIssue).where(
            KnownIssue.project_id == project.id, KnownIssue.fingerprint == fingerprint
        )
    )
    return bool(getattr(result, "rowcount", 0))
