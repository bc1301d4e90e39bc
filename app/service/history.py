"""A branch's history: the last boots of a project and branch, their verdicts and key figures,
and for every finding among them the first boot of the branch where it appeared.

What a CI user reads to see when a regression came in: one row per boot (verdict, findings by
severity, pages shared at hand-off, transitions, bounce bytes, debug-port exits:
``service.key_figures``), one row per fingerprint
(first and last boot seen, how many of the listed boots have it). "First" looks at the whole
branch (the stored ``findings`` rows of each boot's shown analysis), not only the listed boots.
The history page and ``GET /api/v1/projects/{name}/history`` both show ``branch_history``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.analysis.document import ResultDocument
from app.db import queries, review_queries
from app.db.models import Boot, Finding
from app.service.key_figures import Figures, key_figures
from app.service.permissions import Principal, readable_project
from app.service.results import StaleResult, get_result
from app.service.verdict import boot_verdict

DEFAULT_BOOTS = 20
MAX_BOOTS = 100


@dataclass(frozen=True, slots=True)
class HistoryRow:
    boot_id: int
    name: str
    commit: str | None
    created_at: datetime
    status: str
    verdict: str  # pass, fail, pending, or "stale" (a result of another engine version)
    figures: Figures | None


@dataclass(frozen=True, slots=True)
class FirstSeen:
    fingerprint: str
    rule_id: str
    severity: str
    title: str
    first_boot_id: int  # the branch's first boot with this finding (whole history)
    last_boot_id: int  # the newest listed boot with it
    listed: int  # how many of the listed boots have it


@dataclass(frozen=True, slots=True)
class BranchHistory:
    project: str
    branch: str
    boots: tuple[HistoryRow, ...]  # newest first
    findings: tuple[FirstSeen, ...]  # newest first appearance first


def branch_history(
    session: Session,
    principal: Principal,
    project_name: str,
    branch: str,
    *,
    limit: int = DEFAULT_BOOTS,
) -> BranchHistory:
    project = readable_project(session, principal, project_name)
    boots, _ = queries.list_boots(
        session, project_ids=[project.id], branch=branch, limit=min(limit, MAX_BOOTS)
    )
    rows: list[HistoryRow] = []
    seen: dict[str, list[tuple[int, str, str, str]]] = {}
    for boot in boots:
        try:
            document = get_result(session, boot)
            verdict = boot_verdict(session, boot).state
        except StaleResult:  # another engine version's result: re-analyse to judge it
            document, verdict = None, "stale"
        rows.append(_row(boot, verdict, document))
        for finding in document.findings if document else ():
            seen.setdefault(finding.fingerprint, []).append(
                (boot.id, finding.id, finding.severity, finding.title)
            )
    first = _first_boots(session, project.id, branch, set(seen))
    found = [
        FirstSeen(
            fingerprint=fp,
            rule_id=boots_with[0][1],
            severity=boots_with[0][2],
            title=boots_with[0][3],
            first_boot_id=first.get(fp, boots_with[-1][0]),
            last_boot_id=boots_with[0][0],
            listed=len(boots_with),
        )
        for fp, boots_with in seen.items()
    ]
    found.sort(key=lambda f: (-f.first_boot_id, f.rule_id))
    return BranchHistory(project.name, branch, tuple(rows), tuple(found))


def project_branches(session: Session, principal: Principal, project_name: str) -> list[str]:
    """The branches of the project's boots (what a history can be asked for); ``NotFound``
    alike for a hidden and a missing project."""
    project = readable_project(session, principal, project_name)
    return review_queries.list_branches(session, project_ids=[project.id])


def _row(boot: Boot, verdict: str, document: ResultDocument | None) -> HistoryRow:
    return HistoryRow(
        boot_id=boot.id,
        name=boot.name,
        commit=boot.commit,
        created_at=boot.created_at,
        status=boot.status,
        verdict=verdict,
        figures=key_figures(document) if document else None,
    )


def _first_boots(
    session: Session, project_id: int, branch: str, fingerprints: set[str]
) -> dict[str, int]:
    """{fingerprint: the first boot of the branch whose shown analysis has it}."""
    if not fingerprints:
        return {}
    stmt = (
        select(Finding.fingerprint, func.min(Finding.boot_id))
        .join(Boot, Boot.id == Finding.boot_id)
        .where(
            Boot.project_id == project_id,
            Boot.branch == branch,
            Finding.run_id == Boot.result_run_id,
            Finding.fingerprint.in_(sorted(fingerprints)),
        )
        .group_by(Finding.fingerprint)
    )
    return {fingerprint: boot_id for fingerprint, boot_id in session.execute(stmt)}
