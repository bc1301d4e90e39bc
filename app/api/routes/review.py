"""Team review over the API: comments, finding statuses, known issues, timeline windows and
comparisons (the JSON behind the review pages).

Writes need a signed-in person with the ``review`` permission on the boot's project
(``app.service.review``); cookie-authenticated writes carry the CSRF header, which
``resolve_principal`` checks for every unsafe method.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import status as http
from pydantic import BaseModel, ConfigDict, Field

from app.analysis.jsondata import to_json
from app.api.deps import ReadableBoot
from app.api.schemas import Text
from app.db import review_queries
from app.db.review import FINDING_STATUSES, MAX_COMMENT_CHARS
from app.http.deps import DbDep, PrincipalDep, SessionDep
from app.http.params import FINGERPRINT_PATTERN, MAX_INT32, BootIdQuery, FingerprintPath
from app.service import review
from app.service.comparison import compare_documents
from app.service.figures.timeline import build_timeline_figure
from app.service.permissions import readable_boot
from app.service.results import require_result
from app.service.timeline import DEFAULT_POINTS, MAX_POINTS, build_window

router = APIRouter(tags=["review"])


class CommentCreate(BaseModel):
    body: Text = Field(min_length=1, max_length=MAX_COMMENT_CHARS)
    fingerprint: str | None = Field(default=None, pattern=FINGERPRINT_PATTERN)
    line: int | None = Field(default=None, ge=1, le=MAX_INT32)


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
    status: str = Field(max_length=32, description=", ".join(FINDING_STATUSES))


class FindingStatusPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    fingerprint: str
    status: str
    author: str
    updated_at: datetime


class KnownIssueUpdate(BaseModel):
    rule_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    note: Text = Field(default="", max_length=MAX_COMMENT_CHARS)


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
    row = review.add_comment(
        db, principal, boot, body=body.body, fingerprint=body.fingerprint, line=body.line
    )
    return CommentPublic.model_validate(row)


@router.put("/boots/{boot_id}/findings/{fingerprint}/status", response_model=FindingStatusPublic)
def set_finding_status(
    fingerprint: FingerprintPath,
    body: FindingStatusUpdate,
    boot: ReadableBoot,
    db: DbDep,
    principal: PrincipalDep,
) -> FindingStatusPublic:
    """Open, acknowledged, false-positive or fixed; kept across re-analysis."""
    row = review.set_finding_status(
        db, principal, boot, fingerprint=fingerprint, status=body.status
    )
    return FindingStatusPublic.model_validate(row)


@router.put("/boots/{boot_id}/known-issues/{fingerprint}", response_model=KnownIssuePublic)
def add_known_issue(
    fingerprint: FingerprintPath,
    body: KnownIssueUpdate,
    boot: ReadableBoot,
    db: DbDep,
    principal: PrincipalDep,
) -> KnownIssuePublic:
    """Mark a finding as a known issue of the boot's project (suppressed, still counted)."""
    row = review.add_known_issue(
        db, principal, boot, fingerprint=fingerprint, rule_id=body.rule_id, note=body.note
    )
    return KnownIssuePublic.model_validate(row)


@router.delete("/boots/{boot_id}/known-issues/{fingerprint}", status_code=204)
def remove_known_issue(
    fingerprint: FingerprintPath, boot: ReadableBoot, db: DbDep, principal: PrincipalDep
) -> None:
    review.remove_known_issue(db, principal, boot, fingerprint=fingerprint)


@router.get("/boots/{boot_id}/review", response_model=ReviewPublic)
def read_review(boot: ReadableBoot, session: SessionDep) -> ReviewPublic:
    """What the team said about a boot: statuses, the project's known issues, comments."""
    said = review.boot_review(session, boot)
    return ReviewPublic(
        boot_id=boot.id,
        statuses=[FindingStatusPublic.model_validate(s) for s in said.statuses.values()],
        known_issues=[KnownIssuePublic.model_validate(k) for k in said.known_issues.values()],
        comments=[CommentPublic.model_validate(c) for c in said.comments],
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
    window = build_window(require_result(session, boot), start=start, end=end, points=points)
    answer: dict[str, Any] = {"boot_id": boot.id, "window": window}
    if figure:
        answer["figure"] = build_timeline_figure(window)
    return answer


@router.get("/compare")
def read_comparison(
    a: BootIdQuery,
    b: BootIdQuery,
    session: SessionDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Findings new, fixed and persisting from boot ``a`` to boot ``b``; device deltas."""
    boot_a = readable_boot(session, principal, a)
    boot_b = readable_boot(session, principal, b)
    result = compare_documents(require_result(session, boot_a), require_result(session, boot_b))
    return {"a": boot_a.id, "b": boot_b.id, **to_json(result)}
