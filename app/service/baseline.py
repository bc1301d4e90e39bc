"""A boot compared with its baseline: what CI asks after "did it pass?" — "what changed?".

The baseline is the boot the upload named (``baseline=``, same project), else the newest
earlier boot of the same project, branch, platform and firmware flavour whose verdict passes
(among the ``MAX_CANDIDATES`` newest; ``_last_passing`` says how ``fail_on_new`` is applied to
them without walking the whole history). Against it: findings new, fixed and persisting by
fingerprint, per-device DMA statistics deltas and the pages shared at hand-off, computed by
``service.comparison`` like the compare page. The boot page, ``GET /api/v1/boots/{id}/baseline``,
``cvmreview upload --wait`` and the policy's ``fail_on_new`` all use ``boot_baseline``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.analysis.document import ResultDocument
from app.db import queries
from app.db.models import Boot
from app.service.comparison import DeviceDelta, FindingChanges, compare_devices, compare_findings
from app.service.errors import Invalid
from app.service.results import StaleResult, get_result

MAX_CANDIDATES = 20  # each costs a verdict (a parsed document): a page view stays cheap


@dataclass(frozen=True, slots=True)
class SharedPages:
    """Pages shared with the host when the OS took over, in the baseline and the boot."""

    baseline: int | None
    boot: int | None
    delta: int | None  # boot - baseline, None when either is unknown

    @classmethod
    def of(cls, baseline: int | None, boot: int | None) -> SharedPages:
        delta = None if baseline is None or boot is None else boot - baseline
        return cls(baseline, boot, delta)


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    boot_id: int
    baseline_id: int | None
    how: str  # how the baseline was chosen, or why there is none
    changes: FindingChanges | None  # None while there is no baseline (or no result)
    devices: tuple[DeviceDelta, ...]
    shared_pages_at_handoff: SharedPages | None


def firmware_flavour(document: ResultDocument) -> str | None:
    """The flavour the firmware image was classified as (None without an image)."""
    flavour = (document.firmware or {}).get("flavour")
    return str(flavour) if flavour else None


def check_named_baseline(session: Session, *, project_id: int, baseline_id: int | None) -> None:
    """``Invalid`` unless the named baseline is a boot of the same project (an upload naming
    another project's boot must not learn whether it exists)."""
    if baseline_id is None:
        return
    named = queries.get_boot(session, boot_id=baseline_id)
    if named is None or named.project_id != project_id:
        raise Invalid(f"baseline: no boot {baseline_id} in this project")


def boot_baseline(session: Session, boot: Boot) -> BaselineComparison:
    """The boot against its baseline (``how`` says which, or why there is none)."""
    nothing = BaselineComparison(boot.id, None, "", None, (), None)
    try:
        document = get_result(session, boot)
    except StaleResult as stale:
        return _none(nothing, stale.message)
    if document is None:
        return _none(nothing, f"no result yet: the analysis is {boot.status}")
    found = _chosen(session, boot, document)
    if isinstance(found, str):
        return _none(nothing, found)
    baseline, baseline_document, how = found
    return BaselineComparison(
        boot_id=boot.id,
        baseline_id=baseline.id,
        how=how,
        changes=compare_findings(baseline_document.findings, document.findings),
        devices=compare_devices(baseline_document.devices, document.devices),
        shared_pages_at_handoff=SharedPages.of(
            baseline_document.iommu.shared_pages_at_handoff,
            document.iommu.shared_pages_at_handoff,
        ),
    )


def _none(nothing: BaselineComparison, why: str) -> BaselineComparison:
    return BaselineComparison(nothing.boot_id, None, why, None, (), None)


def _readable(session: Session, boot: Boot) -> ResultDocument | None:
    try:
        return get_result(session, boot)
    except StaleResult:
        return None


def _chosen(
    session: Session, boot: Boot, document: ResultDocument
) -> tuple[Boot, ResultDocument, str] | str:
    """(baseline, its document, how chosen), or why there is none."""
    if boot.baseline_id is not None:
        named = queries.get_boot(session, boot_id=boot.baseline_id)
        if named is None or named.project_id != boot.project_id:
            return f"the baseline #{boot.baseline_id} named on upload no longer exists"
        named_document = _readable(session, named)
        if named_document is None:
            return f"the baseline #{named.id} named on upload has no current result"
        return named, named_document, f"#{named.id}, named on upload"
    flavour = firmware_flavour(document)
    found = _last_passing(session, _candidates(session, boot), flavour)
    if found is None:
        return f"no earlier passing boot of {_likeness(boot, flavour)}"
    how = f"#{found[0].id}, the last passing boot of {_likeness(boot, flavour)}"
    return found[0], found[1], how


def chosen_baseline(
    session: Session, boot: Boot, document: ResultDocument
) -> tuple[int, ResultDocument] | None:
    """The baseline a verdict with ``fail_on_new`` judges ``boot`` against (ID, document)."""
    found = _chosen(session, boot, document)
    return None if isinstance(found, str) else (found[0].id, found[1])


Candidate = tuple[Boot, ResultDocument]


def _window(session: Session, candidates: list[Boot], flavour: str | None) -> Iterator[Candidate]:
    """The candidates with a current result of the same firmware flavour, in their order."""
    for candidate in candidates:
        candidate_document = _readable(session, candidate)
        if candidate_document is not None and firmware_flavour(candidate_document) == flavour:
            yield candidate, candidate_document


def _last_passing(
    session: Session, candidates: list[Boot], flavour: str | None
) -> Candidate | None:
    """The newest candidate whose verdict passes. A candidate judged with ``fail_on_new`` is
    judged against its own baseline, the last passing candidate before it, so a finding that
    failed one boot keeps failing the next ones until it is triaged (the failing boot never
    becomes the baseline); the window is then walked oldest first and its oldest boot is
    judged without a baseline. Without ``fail_on_new`` the first passing one, newest first."""
    from app.service.verdict import boot_policy, judge  # a verdict may ask for this module

    window = _window(session, candidates, flavour)
    if not any(boot_policy(session, c)[0].fail_on_new for c in candidates):
        return next((c for c in window if judge(session, *c, baseline=None).state == "pass"), None)
    passing: Candidate | None = None
    for boot, document in reversed(list(window)):
        before = None if passing is None else (passing[0].id, passing[1])
        if judge(session, boot, document, baseline=before).state == "pass":
            passing = boot, document
    return passing


def _likeness(boot: Boot, flavour: str | None) -> str:
    return (
        f"branch {boot.branch or '(none)'}, platform {boot.platform or 'unknown'}, "
        f"firmware flavour {flavour or '(no image)'}"
    )


def _candidates(session: Session, boot: Boot) -> list[Boot]:
    """Earlier analysed boots of the same project, branch and platform, newest first."""
    same_branch = Boot.branch.is_(None) if boot.branch is None else Boot.branch == boot.branch
    same_platform = (
        Boot.platform.is_(None) if boot.platform is None else Boot.platform == boot.platform
    )
    stmt = (
        select(Boot)
        .where(
            Boot.project_id == boot.project_id,
            Boot.id < boot.id,
            Boot.status == "done",
            same_branch,
            same_platform,
        )
        .order_by(Boot.id.desc())
        .limit(MAX_CANDIDATES)
    )
    return list(session.scalars(stmt))
