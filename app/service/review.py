"""Team review of a boot: comments, finding statuses and the project's known issues.

Writes need a signed-in person holding ``review`` on the boot's project (reviewer or admin;
never a token, since a comment has an author). Each action runs in its own write transaction
and gives back the stored row. Statuses and known issues are keyed by finding fingerprint, so
they survive re-analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import accounts, queries, review_queries
from app.db.models import Boot, Project, User
from app.db.review import Comment, FindingStatus, KnownIssue
from app.db.session import Database
from app.service.errors import Invalid, NotFound, SignInRequired
from app.service.permissions import Principal


@dataclass(frozen=True)
class BootReview:
    """What the team said about a boot."""

    statuses: dict[str, FindingStatus]
    known_issues: dict[str, KnownIssue]
    comments: list[Comment]


def boot_review(session: Session, boot: Boot) -> BootReview:
    return BootReview(
        statuses=review_queries.get_statuses(session, boot_id=boot.id),
        known_issues=review_queries.list_known_issues(session, project_id=boot.project_id),
        comments=review_queries.list_comments(session, boot_id=boot.id),
    )


def _person(session: Session, user: User) -> User:
    """The caller's user row in the write session."""
    row = accounts.get_user_by_id(session, user_id=user.id)
    if row is None:
        raise SignInRequired("the account no longer exists")
    return row


def _boot(session: Session, boot_id: int) -> Boot:
    target = queries.get_boot(session, boot_id=boot_id)
    if target is None:
        raise NotFound(f"no boot {boot_id}")
    return target


def _project(session: Session, project_id: int) -> Project:
    project = queries.get_project_by_id(session, project_id=project_id)
    assert project is not None  # a boot's project cannot go while the boot exists
    return project


def add_comment(
    db: Database,
    principal: Principal,
    boot: Boot,
    *,
    body: str,
    fingerprint: str | None = None,
    line: int | None = None,
) -> Comment:
    """Comment on the boot, on a finding (``fingerprint``) or on a log ``line``."""
    user = principal.require_reviewer(boot.project)
    with db.write() as write:
        target = _boot(write, boot.id)
        author = _person(write, user)
        try:
            return review_queries.create_comment(
                write, boot=target, user=author, body=body, fingerprint=fingerprint, line=line
            )
        except ValueError as exc:
            raise Invalid(str(exc)) from None


def _require_finding(session: Session, boot: Boot, fingerprint: str) -> None:
    """``NotFound`` unless the boot's shown analysis has a finding ``fingerprint``."""
    if all(f.fingerprint != fingerprint for f in queries.list_findings(session, boot=boot)):
        raise NotFound(f"boot {boot.id} has no finding {fingerprint[:16]!r}")


def set_finding_status(
    db: Database, principal: Principal, boot: Boot, *, fingerprint: str, status: str
) -> FindingStatus:
    """Open, acknowledged, false-positive or fixed; kept across re-analysis."""
    user = principal.require_reviewer(boot.project)
    with db.write() as write:
        target = _boot(write, boot.id)
        _require_finding(write, target, fingerprint)
        try:
            return review_queries.set_finding_status(
                write,
                boot=target,
                fingerprint=fingerprint,
                status=status,
                user=_person(write, user),
            )
        except ValueError as exc:
            raise Invalid(str(exc)) from None


def add_known_issue(
    db: Database, principal: Principal, boot: Boot, *, fingerprint: str, rule_id: str, note: str
) -> KnownIssue:
    """Mark a finding as a known issue of the boot's project (suppressed, still counted)."""
    user = principal.require_reviewer(boot.project)
    with db.write() as write:
        _require_finding(write, _boot(write, boot.id), fingerprint)
        return review_queries.add_known_issue(
            write,
            project=_project(write, boot.project_id),
            fingerprint=fingerprint,
            rule_id=rule_id,
            note=note,
            user=_person(write, user),
        )


def remove_known_issue(db: Database, principal: Principal, boot: Boot, *, fingerprint: str) -> None:
    principal.require_reviewer(boot.project)
    with db.write() as write:
        project = _project(write, boot.project_id)
        review_queries.remove_known_issue(write, project=project, fingerprint=fingerprint)
