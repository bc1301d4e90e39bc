"""A boot's verdict under its project's policy, and the policy itself (versioned)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.api.badge import badge_svg
from app.api.deps import ReadableBoot
from app.http.deps import DbDep, PrincipalDep, SessionDep
from app.service.verdict import (
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
    strict: bool
    message: str
    reasons: list[ReasonPublic]


class PolicyPublic(BaseModel):
    version: int
    fail_on: str = Field(description="a severity (info ... critical) or none")
    fail_rules: list[str] = Field(description="rule IDs that fail the boot at any severity")


class PolicyUpdate(BaseModel):
    fail_on: str = "high"
    fail_rules: list[str] = []


def _verdict(verdict: BootVerdict) -> VerdictPublic:
    reasons = [ReasonPublic.model_validate(r, from_attributes=True) for r in verdict.reasons]
    return VerdictPublic(
        boot_id=verdict.boot_id,
        verdict=verdict.state,
        policy_version=verdict.policy_version,
        strict=verdict.strict,
        message=verdict.message,
        reasons=reasons,
    )


def _policy(policy: Policy) -> PolicyPublic:
    return PolicyPublic(
        version=policy.version, fail_on=policy.fail_on, fail_rules=list(policy.fail_rules)
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


@router.get("/projects/{project}/verdict-policy", response_model=PolicyPublic)
def read_policy(project: str, session: SessionDep, principal: PrincipalDep) -> PolicyPublic:
    return _policy(readable_policy(session, principal, project))


@router.put("/projects/{project}/verdict-policy", response_model=PolicyPublic)
def update_policy(
    project: str, body: PolicyUpdate, db: DbDep, principal: PrincipalDep
) -> PolicyPublic:
    """A new policy version for the project (admin); later verdicts are judged by it."""
    return _policy(
        set_policy(db, principal, project, fail_on=body.fail_on, fail_rules=body.fail_rules)
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
