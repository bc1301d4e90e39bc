"""A boot's verdict under its project's policy, respecting the team's triage.

pass / fail / pending, the policy version it was judged by and every reason. A finding counts
when its severity is at or above the policy's ``fail_on`` or its rule is named in
``fail_rules``; it is *triaged* (reported, but it does not fail the boot) when its fingerprint
is a known issue of the project or was marked false-positive on any of its boots. ``strict``
ignores triage. A boot still queued or running is pending; a failed analysis fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.analysis.model import Severity
from app.analysis.rules import RULES_BY_ID
from app.db import queries, review_queries
from app.db.models import Boot, Project
from app.db.policy import DEFAULT_FAIL_ON, add_policy, current_policy, false_positive_fingerprints
from app.db.session import Database
from app.service.errors import Invalid, NotFound
from app.service.permissions import ADMIN, READ, Principal
from app.service.results import result_bytes

NO_SEVERITY = "none"


@dataclass(frozen=True, slots=True)
class Policy:
    version: int  # 0: the built-in default
    fail_on: str  # a severity label or "none"
    fail_rules: tuple[str, ...]

    def counts(self, rule_id: str, severity: str) -> str | None:
        """Why a finding of this rule and severity fails the boot, or None."""
        if rule_id in self.fail_rules:
            return f"rule {rule_id} is in the policy's fail_rules"
        if self.fail_on != NO_SEVERITY and Severity.parse(severity) >= Severity.parse(self.fail_on):
            return f"severity {severity} is at or above {self.fail_on}"
        return None


@dataclass(frozen=True, slots=True)
class Reason:
    rule_id: str
    severity: str
    title: str
    fingerprint: str
    first_line: int | None
    why: str
    triaged: str | None  # "known issue" / "false positive": reported, does not fail


@dataclass(frozen=True, slots=True)
class BootVerdict:
    boot_id: int
    state: str  # pass, fail, pending
    policy_version: int
    strict: bool
    reasons: tuple[Reason, ...]
    message: str


def project_policy(session: Session, project_id: int) -> Policy:
    stored = current_policy(session, project_id=project_id)
    if stored is None:
        return Policy(0, DEFAULT_FAIL_ON, ())
    rules = tuple(rule for rule in stored.fail_rules.split(",") if rule)
    return Policy(stored.version, stored.fail_on, rules)


def boot_verdict(session: Session, boot: Boot, *, strict: bool = False) -> BootVerdict:
    policy = project_policy(session, boot.project_id)
    if boot.status in ("queued", "running"):
        return BootVerdict(
            boot.id, "pending", policy.version, strict, (), f"analysis {boot.status}"
        )
    if boot.status == "failed":
        failed = f"the analysis failed: {boot.error}"
        return BootVerdict(boot.id, "fail", policy.version, strict, (), failed)
    findings = json.loads(result_bytes(session, boot)).get("findings", [])
    triage = {} if strict else _triage(session, boot.project_id)
    reasons = []
    for finding in findings:
        why = policy.counts(finding["id"], finding["severity"])
        if why is None:
            continue
        lines = finding.get("lines") or []
        reasons.append(
            Reason(
                rule_id=finding["id"],
                severity=finding["severity"],
                title=finding["title"],
                fingerprint=finding["fingerprint"],
                first_line=lines[0] if lines else None,
                why=why,
                triaged=triage.get(finding["fingerprint"]),
            )
        )
    failing = [r for r in reasons if r.triaged is None]
    state = "fail" if failing else "pass"
    message = f"{len(failing)} finding(s) fail the policy" if failing else "no finding fails"
    if len(reasons) > len(failing):
        message += f"; {len(reasons) - len(failing)} triaged"
    return BootVerdict(boot.id, state, policy.version, strict, tuple(reasons), message)


def _triage(session: Session, project_id: int) -> dict[str, str]:
    triaged = {
        fp: "false positive" for fp in false_positive_fingerprints(session, project_id=project_id)
    }
    for fingerprint in review_queries.list_known_issues(session, project_id=project_id):
        triaged[fingerprint] = "known issue"
    return triaged


def _readable_project(session: Session, principal: Principal, name: str) -> Project:
    """404 unless readable (existence is not revealed); 401 for an anonymous caller."""
    project = queries.get_project(session, name=name)
    if project is not None and not principal.can(project, READ) and principal.is_anonymous:
        principal.require(project, READ)
    if project is None or not principal.can(project, READ):
        raise NotFound(f"no project {name!r}")
    return project


def readable_policy(session: Session, principal: Principal, project_name: str) -> Policy:
    return project_policy(session, _readable_project(session, principal, project_name).id)


def set_policy(
    db: Database,
    principal: Principal,
    project_name: str,
    *,
    fail_on: str,
    fail_rules: list[str],
) -> Policy:
    """Store the project's next policy version (admin only); ``Invalid`` for an unknown
    severity or rule ID, before anything is written."""
    if fail_on != NO_SEVERITY:
        try:
            Severity.parse(fail_on)
        except ValueError as exc:
            raise Invalid(f"fail_on: {exc} or none") from None
    unknown = sorted(set(fail_rules) - set(RULES_BY_ID))
    if unknown:
        raise Invalid(f"fail_rules: unknown rule ID(s) {', '.join(unknown)}")
    token = principal.token.prefix if principal.token else ""
    author = principal.user.username if principal.user else f"token {token}"
    with db.write() as session:
        project = _readable_project(session, principal, project_name)
        principal.require(project, ADMIN)
        add_policy(
            session, project_id=project.id, fail_on=fail_on, fail_rules=fail_rules, author=author
        )
        return project_policy(session, project.id)


def latest_verdict(
    session: Session, principal: Principal, project_name: str, branch: str | None
) -> BootVerdict | None:
    """The verdict of the project's newest analysed boot (on ``branch`` when given): what a
    status badge shows; None when there is no such boot yet."""
    project = _readable_project(session, principal, project_name)
    boots, _ = queries.list_boots(
        session, project_ids=[project.id], branch=branch, status="done", limit=1
    )
    return boot_verdict(session, boots[0]) if boots else None
