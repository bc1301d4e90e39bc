"""What CI reads: a boot's verdict under its project's policy, the policy itself (versioned),
the boot against its baseline, a branch's history and a status badge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.analysis.jsondata import to_json
from app.api.badge import badge_svg
from app.api.deps import ReadableBoot
from app.http.deps import DbDep, PrincipalDep, SessionDep
from app.service.baseline import boot_baseline
from app.service.history import DEFAULT_BOOTS, MAX_BOOTS, branch_history
from app.service.verdict import (
    LIMIT_FIELDS,
    BootVerdict,
    Policy,
    boot_verdict,
    latest_verdict,
    readable_policy,
    set_policy,
)

router = APIRouter(tags=["verdict"])


class ReasonPublic(BaseModel):
    rule_id: str
    severity: str
    title: str
    fingerprint: str
    first_line: int | None
    why: str
    triaged: str | None = Field(description="known issue / false positive: does not fail")


class VerdictPublic(BaseModel):
    boot_id: int
    verdict: str = Field(description="pass, fail or pending")
    policy_version: int = Field(description="0 is the built-in default (fail on high)")
    overrides: dict[str, Any] = Field(description="policy fields the upload overrode")
    strict: bool
    message: str
    reasons: list[ReasonPublic]
    thresholds: list[str] = Field(description="figures over a policy limit (never triaged)")
    baseline_id: int | None = Field(description="the boot new findings were judged against")


class PolicyPublic(BaseModel):
    version: int
    fail_on: str = Field(description="a severity (info ... critical) or none")
    fail_rules: list[str] = Field(description="rule IDs that fail the boot at any severity")
    fail_on_new: bool = Field(description="fail on a finding the baseline did not have")
    max_shared_pages: int | None = Field(description="limit of pages shared at hand-off")
    max_transitions: int | None = Field(description="limit of encryption transitions")
    max_bounce_bytes: int | None = Field(description="limit of bytes bounced (IoMmu)")
    max_debug_exits: int | None = Field(description="limit of debug-port VM exits")


MAX_LIMIT = 2**53  # the upload form's bound too: a BIGINT column, exact in JSON numbers


class PolicyUpdate(BaseModel):
    fail_on: str = "high"
    fail_rules: list[str] = []
    fail_on_new: bool = False
    max_shared_pages: int | None = Field(default=None, le=MAX_LIMIT)
    max_transitions: int | None = Field(default=None, le=MAX_LIMIT)
    max_bounce_bytes: int | None = Field(default=None, le=MAX_LIMIT)
    max_debug_exits: int | None = Field(default=None, le=MAX_LIMIT)


def _verdict(verdict: BootVerdict) -> VerdictPublic:
    reasons = [ReasonPublic.model_validate(r, from_attributes=True) for r in verdict.reasons]
    return VerdictPublic(
        boot_id=verdict.boot_id,
        verdict=verdict.state,
        policy_version=verdict.policy_version,
        overrides=verdict.overrides.to_json() if verdict.overrides else {},
        strict=verdict.strict,
        message=verdict.message,
        reasons=reasons,
        thresholds=list(verdict.thresholds),
        baseline_id=verdict.baseline_id,
    )


def _policy(policy: Policy) -> PolicyPublic:
    return PolicyPublic(
        version=policy.version,
        fail_on=policy.fail_on,
        fail_rules=list(policy.fail_rules),
        fail_on_new=policy.fail_on_new,
        **policy.limits(),
    )


@router.get("/boots/{boot_id}/verdict", response_model=VerdictPublic)
def read_verdict(
    boot: ReadableBoot,
    session: SessionDep,
    strict: Annotated[
        bool, Query(description="ignore triage (known issues, false positives)")
    ] = False,
) -> VerdictPublic:
    """pass, fail or pending, the policy version and every reason (triaged ones included)."""
    return _verdict(boot_verdict(session, boot, strict=strict))


@router.get("/boots/{boot_id}/baseline")
def read_baseline(boot: ReadableBoot, session: SessionDep) -> dict[str, Any]:
    """The boot against its baseline (named on upload, else the last passing boot of the same
    project, branch, platform and firmware flavour): findings new, fixed and persisting,
    device deltas, pages shared at hand-off; ``baseline_id`` null and ``how`` saying why when
    there is none."""
    answer: dict[str, Any] = to_json(boot_baseline(session, boot))
    return answer


@router.get("/projects/{project}/history")
def read_branch_history(
    project: str,
    session: SessionDep,
    principal: PrincipalDep,
    branch: Annotated[str, Query(min_length=1, max_length=255)],
    limit: Annotated[int, Query(ge=1, le=MAX_BOOTS)] = DEFAULT_BOOTS,
) -> dict[str, Any]:
    """The last ``limit`` boots of the project's ``branch``, newest first, with verdict and key
    figures (findings by severity, pages shared at hand-off, transitions, bounce bytes), and
    each finding's first boot on the branch."""
    history = branch_history(session, principal, project, branch, limit=limit)
    answer: dict[str, Any] = to_json(history)
    return answer


@router.get("/projects/{project}/verdict-policy", response_model=PolicyPublic)
def read_policy(project: str, session: SessionDep, principal: PrincipalDep) -> PolicyPublic:
    return _policy(readable_policy(session, principal, project))


@router.put("/projects/{project}/verdict-policy", response_model=PolicyPublic)
def update_policy(
    project: str, body: PolicyUpdate, db: DbDep, principal: PrincipalDep
) -> PolicyPublic:
    """A new policy version for the project (admin); later verdicts are judged by it."""
    return _policy(
        set_policy(
            db,
            principal,
            project,
            fail_on=body.fail_on,
            fail_rules=body.fail_rules,
            fail_on_new=body.fail_on_new,
            limits=body.model_dump(include=set(LIMIT_FIELDS)),
        )
    )


@router.get(
    "/projects/{project}/badge.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def read_badge(
    project: str,
    session: SessionDep,
    principal: PrincipalDep,
    branch: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    """The verdict of the newest analysed boot of the project (and branch) as an SVG badge."""
    verdict = latest_verdict(session, principal, project, branch)
    message = verdict.state if verdict else "none"
    label = f"cvmreview {branch}" if branch else "cvmreview"
    return Response(
        badge_svg(label, message),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-cache, max-age=0"},
    )
