"""Team review over the API: comments, finding statuses, known issues, timeline windows and
comparisons (the JSON behind the review pages).

Writes need a signed-in reviewer or admin of the boot's project (a person, never a token:
a comment has an author); cookie-authenticated writes carry the CSRF header, which
``resolve_principal`` checks for every unsafe method.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi import status as http
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.api.deps import DbDep, PrincipalDep, ReadableBoot, SessionDep
from app.db import accounts, queries, review_queries
from app.db.models import Boot, User
from app.db.review import FINDING_STATUSES, MAX_COMMENT_CHARS
from app.web.access import REVIEW_ROLES
from app.web.charts import build_timeline_figure
from app.web.comparison import compare_documents
from app.web.results import get_result
from app.web.timeline import DEFAULT_POINTS, MAX_POINTS, build_window

router = APIRouter(tags=["review"])


class CommentCreate(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_COMMENT_CHARS)
    fingerprint: str | None = Field(default=None, max_length=128)
    line: int | None = Field(default=None, ge=1)


class CommentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    boot_id: int
    author: str
    fingerprint: str | None
    line: int | None
    body: str
    created_at: datetime


class CommentListPublic(BaseModel):
    boot_id: int
    data: list[CommentPublic]
    count: int


class FindingStatusUpdate(BaseModel):
    status: str = Field(description=", ".join(FINDING_STATUSES))


class FindingStatusPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    fingerprint: str
    status: str
    author: str
    updated_at: datetime


class KnownIssueUpdate(BaseModel):
    rule_id: str = Field(min_length=1, max_length=32)
    note: str = Field(default="", max_length=MAX_COMMENT_CHARS)


class KnownIssuePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    fingerprint: str
    rule_id: str
    note: str
    author: str
    created_at: datetime


class ReviewPublic(BaseModel):
    boot_id: int
    statuses: list[FindingStatusPublic]
    known_issues: list[KnownIssuePublic]
    comments: list[CommentPublic]


def _person(session: Session, user: User) -> User:
    """The caller's user row in the write session."""
    row = accounts.get_user_by_id(session, user_id=user.id)
    if row is None:
        raise HTTPException(http.HTTP_401_UNAUTHORIZED, "the account no longer exists")
    return row


def _require_reviewer(principal: PrincipalDep, boot: Boot) -> User:
    """The signed-in reviewer/admin of the boot's project; 401/403 otherwise."""
    user = principal.user
    if user is None:
        raise HTTPException(http.HTTP_401_UNAUTHORIZED, "sign in as a reviewer to do this")
    if not (user.is_admin or principal.roles.get(boot.project_id) in REVIEW_ROLES):
        raise HTTPException(
            http.HTTP_403_FORBIDDEN, f"needs the reviewer role in project {boot.project.name!r}"
        )
    return user


def _document(session: SessionDep, boot: Boot) -> dict[str, Any]:
    document = get_result(session, boot)
    if document is None:
        raise HTTPException(http.HTTP_409_CONFLICT, f"no result yet: the analysis is {boot.status}")
    return document


@router.get("/boots/{boot_id}/comments", response_model=CommentListPublic)
def list_comments(boot: ReadableBoot, session: SessionDep) -> CommentListPublic:
    rows = review_queries.list_comments(session, boot_id=boot.id)
    data = [CommentPublic.model_validate(row) for row in rows]
    return CommentListPublic(boot_id=boot.id, data=data, count=len(data))


@router.post(
    "/boots/{boot_id}/comments", status_code=http.HTTP_201_CREATED, response_model=CommentPublic
)
def create_comment(
    body: CommentCreate, boot: ReadableBoot, db: DbDep, principal: PrincipalDep
) -> CommentPublic:
    """Comment on the boot, on a finding (``fingerprint``) or on a log ``line``."""
    user = _require_reviewer(principal, boot)
    with db.write() as write:
        target = queries.get_boot(write, boot_id=boot.id)
        author = _person(write, user)
        if target is None:
            raise HTTPException(http.HTTP_404_NOT_FOUND, f"no boot {boot.id}")
        try:
            row = review_queries.create_comment(
                write,
                boot=target,
                user=author,
                body=body.body,
                fingerprint=body.fingerprint,
                line=body.line,
            )
        except ValueError as exc:
            raise HTTPException(http.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        return CommentPublic.model_validate(row)


@router.put("/boots/{boot_id}/findings/{fingerprint}/status", response_model=FindingStatusPublic)
def set_finding_status(
    fingerprint: str,
    body: FindingStatusUpdate,
    boot: ReadableBoot,
    db: DbDep,
    principal: PrincipalDep,
) -> FindingStatusPublic:
    """Open, acknowledged, false-positive or fixed; kept across re-analysis."""
    user = _require_reviewer(principal, boot)
    with db.write() as write:
        target = queries.get_boot(write, boot_id=boot.id)
        if target is None:
            raise HTTPException(http.HTTP_404_NOT_FOUND, f"no boot {boot.id}")
        try:
            row = review_queries.set_finding_status(
                write,
                boot=target,
                fingerprint=fingerprint,
                status=body.status,
                user=_person(write, user),
            )
        except ValueError as exc:
            raise HTTPException(http.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        return FindingStatusPublic.model_validate(row)


@router.put("/boots/{boot_id}/known-issues/{fingerprint}", response_model=KnownIssuePublic)
def add_known_issue(
    fingerprint: str,
    body: KnownIssueUpdate,
    boot: ReadableBoot,
    db: DbDep,
    principal: PrincipalDep,
) -> KnownIssuePublic:
    """Mark a finding as a known issue of the boot's project (suppressed, still counted)."""
    user = _require_reviewer(principal, boot)
    with db.write() as write:
        project = queries.get_project_by_id(write, project_id=boot.project_id)
        assert project is not None
        row = review_queries.add_known_issue(
            write,
            project=project,
            fingerprint=fingerprint,
            rule_id=body.rule_id,
            note=body.note,
            user=_person(write, user),
        )
        return KnownIssuePublic.model_validate(row)


@router.delete("/boots/{boot_id}/known-issues/{fingerprint}", status_code=204)
def remove_known_issue(
    fingerprint: str, boot: ReadableBoot, db: DbDep, principal: PrincipalDep
) -> None:
    _require_reviewer(principal, boot)
    with db.write() as write:
        project = queries.get_project_by_id(write, project_id=boot.project_id)
        assert project is not None
        review_queries.remove_known_issue(write, project=project, fingerprint=fingerprint)


@router.get("/boots/{boot_id}/review", response_model=ReviewPublic)
def read_review(boot: ReadableBoot, session: SessionDep) -> ReviewPublic:
    """What the team said about a boot: statuses, the project's known issues, comments."""
    statuses = review_queries.get_statuses(session, boot_id=boot.id)
    known = review_queries.list_known_issues(session, project_id=boot.project_id)
    comments = review_queries.list_comments(session, boot_id=boot.id)
    return ReviewPublic(
        boot_id=boot.id,
        statuses=[FindingStatusPublic.model_validate(s) for s in statuses.values()],
        known_issues=[KnownIssuePublic.model_validate(k) for k in known.values()],
        comments=[CommentPublic.model_validate(c) for c in comments],
    )


@router.get("/boots/{boot_id}/timeline/window")
def read_timeline_window(
    boot: ReadableBoot,
    session: SessionDep,
    start: float | None = None,
    end: float | None = None,
    points: Annotated[int, Query(ge=10, le=MAX_POINTS)] = DEFAULT_POINTS,
    figure: bool = True,
) -> dict[str, Any]:
    """The timeline of one view: window ``[start, end]`` on the boot's axis (lines, or
    seconds for timestamped logs) aggregated to ``points``; with its Plotly figure."""
    window = build_window(_document(session, boot), start=start, end=end, points=points)
    answer: dict[str, Any] = {"boot_id": boot.id, "window": window}
    if figure:
        answer["figure"] = build_timeline_figure(window)
    return answer


@router.get("/compare")
def read_comparison(
    a: Annotated[int, Query(ge=1)],
    b: Annotated[int, Query(ge=1)],
    session: SessionDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Findings new, fixed and persisting from boot ``a`` to boot ``b``; device deltas."""
    from app.api.deps import get_readable_boot

    boot_a = get_readable_boot(a, session, principal)
    boot_b = get_readable_boot(b, session, principal)
    result = compare_documents(_document(session, boot_a), _document(session, boot_b))
    return {"a": boot_a.id, "b": boot_b.id, **result}
