"""A boot compared with its baseline: what CI asks after "did it pass?" — "what changed?".

The baseline is the boot the upload named (``baseline=``, same project), else the newest
earlier boot of the same project, branch, platform and firmware flavour whose verdict passes
(judged without its own baseline comparison, so choosing one never walks the whole history;
at most ``MAX_CANDIDATES`` are looked at). Against it: findings new, fixed and persisting by
fingerprint, per-device DMA statistics deltas and the pages shared at hand-off, computed by
``service.comparison`` like the compare page. The boot page, ``GET /api/v1/boots/{id}/baseline``,
``cvmreview upload --wait`` and the policy's ``fail_on_new`` all use ``boot_baseline``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.analysis.document import ResultDocument
from app.db import queries
from app.db.models import Boot
from app.service.comparison import DeviceDelta, FindingChanges, compare_devices, compare_findings
from app.service.errors import Invalid
from app.service.results import StaleResult, get_result

MAX_CANDIDATES = 50


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
    from app.service.verdict import boot_verdict  # a verdict may ask for this module

    flavour = firmware_flavour(document)
    for candidate in _candidates(session, boot):
        candidate_document = _readable(session, candidate)
        if candidate_document is None or firmware_flavour(candidate_document) != flavour:
            continue
        if boot_verdict(session, candidate, regression=False).state == "pass":
            how = f"#{candidate.id}, the last passing boot of {_likeness(boot, flavour)}"
            return candidate, candidate_document, how
    return f"no earlier passing boot of {_likeness(boot, flavour)}"


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
