"""A boot's verdict under its project's policy, respecting the team's triage.

pass / fail / pending, the policy version it was judged by and every reason. A finding counts
when its severity is at or above the policy's ``fail_on`` or its rule is named in
``fail_rules``; it is *triaged* (reported, but it does not fail the boot) when its fingerprint
is a known issue of the project or was marked false-positive on any of its boots. ``strict``
ignores triage. A boot still queued or running is pending; a failed analysis fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.analysis.document import Finding, ResultDocument
from app.analysis.model import Severity
from app.analysis.rules import RULES_BY_ID
from app.db import queries, review_queries
from app.db.models import Boot
from app.db.policy import DEFAULT_FAIL_ON, add_policy, current_policy, false_positive_fingerprints
from app.db.session import Database
from app.service.errors import Invalid
from app.service.key_figures import Figures, key_figures
from app.service.permissions import ADMIN, Principal, readable_project
from app.service.results import StaleResult, require_result

NO_SEVERITY = "none"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Threshold:
    """A policy limit on one of the boot's key figures (``service.key_figures``): more fails."""

    field: str  # the policy field, e.g. "max_transitions"
    what: str  # the figure in a sentence
    figure: Callable[[Figures], int | None]


THRESHOLDS = (
    Threshold("max_shared_pages", "pages shared at hand-off", lambda f: f.shared_pages_at_handoff),
    Threshold("max_transitions", "encryption transitions", lambda f: f.transitions),
    Threshold(
        "max_bounce_bytes", "bytes bounced through IoMmu bounce buffers", lambda f: f.bounce_bytes
    ),
    Threshold("max_debug_exits", "debug-port VM exits", lambda f: f.debug_exits),
)
LIMIT_FIELDS = tuple(t.field for t in THRESHOLDS)
Limits = Mapping[str, int | None]  # {threshold field: its limit, None: none}


@dataclass(frozen=True, slots=True)
class Policy:
    version: int  # 0: the built-in default
    fail_on: str  # a severity label or "none"
    fail_rules: tuple[str, ...]
    fail_on_new: bool = False  # a finding the baseline did not have fails (service.baseline)
    max_shared_pages: int | None = None  # pages shared at hand-off above this fail
    max_transitions: int | None = None  # each a limit of ``THRESHOLDS``; None: no limit
    max_bounce_bytes: int | None = None
    max_debug_exits: int | None = None

    def limits(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in LIMIT_FIELDS}

    def counts(self, rule_id: str, severity: str) -> str | None:
        """Why a finding of this rule and severity fails the boot, or None."""
        if rule_id in self.fail_rules:
            return f"rule {rule_id} is in the policy's fail_rules"
        if self.fail_on != NO_SEVERITY and Severity.parse(severity) >= Severity.parse(self.fail_on):
            return f"severity {severity} is at or above {self.fail_on}"
        return None

    def overridden(self, overrides: PolicyOverrides | None) -> Policy:
        """This policy with an upload's overrides applied (its version stays: the verdict
        names both)."""
        if overrides is None:
            return self
        return replace(
            self,
            fail_on=overrides.fail_on or self.fail_on,
            fail_rules=tuple(dict.fromkeys((*self.fail_rules, *overrides.fail_rules))),
            fail_on_new=self.fail_on_new
            if overrides.fail_on_new is None
            else overrides.fail_on_new,
            **{
                name: getattr(self, name) if limit is None else limit
                for name, limit in overrides.limits().items()
            },
        )


@dataclass(frozen=True, slots=True)
class PolicyOverrides:
    """Policy fields one upload overrides (``cvmreview upload --fail-on-rule ...``); stored
    with the boot (``Boot.policy_overrides``) so its verdict always says what judged it."""

    fail_on: str | None = None
    fail_rules: tuple[str, ...] = ()
    fail_on_new: bool | None = None
    max_shared_pages: int | None = None
    max_transitions: int | None = None
    max_bounce_bytes: int | None = None
    max_debug_exits: int | None = None

    def limits(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in LIMIT_FIELDS}

    def to_json(self) -> dict[str, object]:
        """The overridden fields only (what the verdict lists)."""
        data: dict[str, object] = {
            "fail_on": self.fail_on,
            "fail_rules": list(self.fail_rules),
            "fail_on_new": self.fail_on_new,
            **self.limits(),
        }
        return {key: value for key, value in data.items() if value not in (None, [])}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> PolicyOverrides | None:
        if not data:
            return None
        return cls(
            fail_on=data.get("fail_on"),
            fail_rules=tuple(data.get("fail_rules", ())),
            fail_on_new=data.get("fail_on_new"),
            **{name: data.get(name) for name in LIMIT_FIELDS},
        )


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
    state: str  # pass, fail, pending ("stale" only for a badge: a result to re-analyse)
    policy_version: int
    strict: bool
    reasons: tuple[Reason, ...]
    message: str
    overrides: PolicyOverrides | None = None
    baseline_id: int | None = None  # the boot "new" findings were judged against
    thresholds: tuple[str, ...] = ()  # figures over a policy limit (never triaged)


def project_policy(session: Session, project_id: int) -> Policy:
    stored = current_policy(session, project_id=project_id)
    if stored is None:
        return Policy(0, DEFAULT_FAIL_ON, ())
    rules = tuple(rule for rule in stored.fail_rules.split(",") if rule)
    limits = {name: getattr(stored, name) for name in LIMIT_FIELDS}
    return Policy(stored.version, stored.fail_on, rules, stored.fail_on_new, **limits)


Judged = tuple[int, ResultDocument]  # a baseline: its boot ID and its document


def _shared(session: Session, key: tuple[str, int], compute: Callable[[], T]) -> T:
    """What every verdict of one request reads alike (a project's policy and triage), read
    once per session: a baseline search or a branch history judges dozens of boots. Writes
    (a new policy, a known issue) go through their own ``db.write()`` session, so the memo of
    a read session never outlives what it read."""
    memo: dict[tuple[str, int], Any] = session.info.setdefault("verdict-memo", {})
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


def boot_policy(session: Session, boot: Boot) -> tuple[Policy, PolicyOverrides | None]:
    """The project's policy with the boot's upload overrides applied, and those overrides."""
    overrides = PolicyOverrides.from_json(boot.policy_overrides)
    policy = _shared(
        session, ("policy", boot.project_id), lambda: project_policy(session, boot.project_id)
    )
    return policy.overridden(overrides), overrides


def boot_verdict(session: Session, boot: Boot, *, strict: bool = False) -> BootVerdict:
    """The boot judged by its project's policy with the upload's overrides; with
    ``fail_on_new``, against its baseline (``service.baseline``)."""
    policy, overrides = boot_policy(session, boot)
    if boot.status in ("queued", "running"):
        return _bare(boot, policy, overrides, strict, "pending", f"analysis {boot.status}")
    if boot.status == "failed":
        return _bare(boot, policy, overrides, strict, "fail", f"the analysis failed: {boot.error}")
    document = require_result(session, boot)
    baseline: Judged | None = None
    if policy.fail_on_new:
        from app.service.baseline import chosen_baseline  # it judges candidates with ``judge``

        baseline = chosen_baseline(session, boot, document)
    return judge(session, boot, document, baseline=baseline, strict=strict)


def _bare(
    boot: Boot,
    policy: Policy,
    overrides: PolicyOverrides | None,
    strict: bool,
    state: str,
    message: str,
) -> BootVerdict:
    """The verdict of a boot without a result (pending, or its analysis failed)."""
    return BootVerdict(boot.id, state, policy.version, strict, (), message, overrides)


def judge(
    session: Session,
    boot: Boot,
    document: ResultDocument,
    *,
    baseline: Judged | None,
    strict: bool = False,
) -> BootVerdict:
    """The analysed boot's verdict; with ``fail_on_new``, a finding ``baseline`` does not have
    fails unless triaged (no baseline: nothing is new)."""
    policy, overrides = boot_policy(session, boot)
    new: frozenset[str] = frozenset()
    baseline_id = None
    if policy.fail_on_new and baseline is not None:
        baseline_id, before = baseline
        had = {f.fingerprint for f in before.findings}
        new = frozenset(f.fingerprint for f in document.findings if f.fingerprint not in had)
    triage = (
        {}
        if strict
        else _shared(
            session, ("triage", boot.project_id), lambda: _triage(session, boot.project_id)
        )
    )
    reasons = tuple(
        reason
        for finding in document.findings
        if (reason := _reason(policy, finding, new, baseline_id, triage)) is not None
    )
    thresholds = _thresholds(policy, document)
    failing = [r for r in reasons if r.triaged is None]
    state = "fail" if failing or thresholds else "pass"
    parts = [f"{len(failing)} finding(s) fail the policy" if failing else "no finding fails"]
    if len(reasons) > len(failing):
        parts.append(f"{len(reasons) - len(failing)} triaged")
    parts.extend(thresholds)
    return BootVerdict(
        boot.id,
        state,
        policy.version,
        strict,
        reasons,
        "; ".join(parts),
        overrides,
        baseline_id=baseline_id,
        thresholds=thresholds,
    )


def _reason(
    policy: Policy,
    finding: Finding,
    new: frozenset[str],
    baseline_id: int | None,
    triage: dict[str, str],
) -> Reason | None:
    why = policy.counts(finding.id, finding.severity)
    if why is None and finding.fingerprint in new:
        why = f"new against the baseline #{baseline_id}"
    if why is None:
        return None
    return Reason(
        rule_id=finding.id,
        severity=finding.severity,
        title=finding.title,
        fingerprint=finding.fingerprint,
        first_line=finding.lines[0] if finding.lines else None,
        why=why,
        triaged=triage.get(finding.fingerprint),
    )


def _thresholds(policy: Policy, document: ResultDocument) -> tuple[str, ...]:
    """Figures over the policy's limits: a threshold is about the boot, not one finding, so
    no triage applies to it (an unknown figure, such as no hand-off, is never over)."""
    figures = key_figures(document)
    limits = policy.limits()
    over = []
    for threshold in THRESHOLDS:
        limit, value = limits[threshold.field], threshold.figure(figures)
        if limit is not None and value is not None and value > limit:
            over.append(f"{value} {threshold.what}, over {threshold.field} {limit}")
    return tuple(over)


def _triage(session: Session, project_id: int) -> dict[str, str]:
    triaged = {
        fp: "false positive" for fp in false_positive_fingerprints(session, project_id=project_id)
    }
    for fingerprint in review_queries.list_known_issues(session, project_id=project_id):
        triaged[fingerprint] = "known issue"
    return triaged


def readable_policy(session: Session, principal: Principal, project_name: str) -> Policy:
    return project_policy(session, readable_project(session, principal, project_name).id)


def check_policy_fields(fail_on: str | None, fail_rules: Sequence[str], limits: Limits) -> None:
    """``Invalid`` for an unknown severity or rule ID or a negative limit (a stored policy and
    an upload's overrides are checked alike, before anything is written)."""
    if fail_on is not None and fail_on != NO_SEVERITY:
        try:
            Severity.parse(fail_on)
        except ValueError as exc:
            raise Invalid(f"fail_on: {exc} or none") from None
    unknown = sorted(set(fail_rules) - set(RULES_BY_ID))
    if unknown:
        raise Invalid(f"fail_rules: unknown rule ID(s) {', '.join(unknown)}")
    for name, limit in limits.items():
        if name not in LIMIT_FIELDS:
            raise Invalid(f"{name}: not a threshold ({', '.join(LIMIT_FIELDS)})")
        if limit is not None and limit < 0:
            raise Invalid(f"{name} must be 0 or more")


def parse_overrides(
    *,
    fail_on: str | None,
    fail_rules: Sequence[str],
    fail_on_new: bool | None,
    limits: Limits,
) -> PolicyOverrides | None:
    """An upload's policy overrides, checked; None when it overrides nothing."""
    check_policy_fields(fail_on, fail_rules, limits)
    overrides = PolicyOverrides(fail_on, tuple(fail_rules), fail_on_new, **limits)
    return overrides if overrides.to_json() else None


def set_policy(
    db: Database,
    principal: Principal,
    project_name: str,
    *,
    fail_on: str,
    fail_rules: list[str],
    fail_on_new: bool = False,
    limits: Limits | None = None,
) -> Policy:
    """Store the project's next policy version (admin only); ``Invalid`` before anything is
    written when a field is wrong (``check_policy_fields``). ``limits``: threshold fields
    (``THRESHOLDS``), absent ones unlimited."""
    limits = dict(limits or {})
    check_policy_fields(fail_on, fail_rules, limits)
    token = principal.token.prefix if principal.token else ""
    author = principal.user.username if principal.user else f"token {token}"
    with db.write() as session:
        project = readable_project(session, principal, project_name)
        principal.require(project, ADMIN)
        add_policy(
            session,
            project_id=project.id,
            fail_on=fail_on,
            fail_rules=fail_rules,
            fail_on_new=fail_on_new,
            limits=limits,
            author=author,
        )
        return project_policy(session, project.id)


def latest_verdict(
    session: Session, principal: Principal, project_name: str, branch: str | None
) -> BootVerdict | None:
    """The verdict of the project's newest analysed boot (on ``branch`` when given): what a
    status badge shows; None when there is no such boot yet."""
    project = readable_project(session, principal, project_name)
    boots, _ = queries.list_boots(
        session, project_ids=[project.id], branch=branch, status="done", limit=1
    )
    if not boots:
        return None
    try:
        return boot_verdict(session, boots[0])
    except StaleResult as stale:  # judged after re-analysis (an engine upgrade's fingerprints)
        return BootVerdict(boots[0].id, "stale", 0, False, (), stale.message)
