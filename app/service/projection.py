"""The result document projected onto rows the lists filter and sort on.

The document itself is stored as a blob and is the truth; the ``findings`` and
``device_stats`` rows and the boot's summary columns (platform, worst severity) are copies of
parts of it, so the boot list and the API can filter without parsing documents. Written when
a run completes (``app.service.lease.complete_run``).
"""

from __future__ import annotations

from app.analysis.document import ResultDocument
from app.db.models import Boot, DeviceStat, Finding
from app.db.queries import severity_rank


def apply_summary(boot: Boot, result: ResultDocument) -> None:
    """Copy the result's platform and worst severity onto the boot (now current, not stale)."""
    worst = result.verdict.worst_severity
    boot.platform = result.platform.kind
    boot.worst_severity = worst
    boot.severity_rank = severity_rank(worst) if worst else None
    boot.stale = False


def result_rows(result: ResultDocument, *, boot_id: int, run_id: int) -> list[Finding | DeviceStat]:
    """The finding and device-statistics rows of one run's result document."""
    rows: list[Finding | DeviceStat] = [
        Finding(
            boot_id=boot_id,
            run_id=run_id,
            rule_id=finding.id,
            severity=finding.severity,
            severity_rank=severity_rank(finding.severity),
            title=finding.title,
            explanation=finding.explanation,
            advice=finding.advice,
            lines=list(finding.lines),
            count=finding.count,
            fingerprint=finding.fingerprint,
            key=finding.key,
        )
        for finding in result.findings
    ]
    timed = result.source.has_timestamps  # page-seconds mean something only then
    rows.extend(
        DeviceStat(
            boot_id=boot_id,
            run_id=run_id,
            device=device.device,
            attribution_method=device.attribution.method,
            maps_by_operation=dict(device.maps_by_operation),
            bytes=device.bytes,
            pages=device.pages,
            bounce_bytes=device.bounce_bytes,
            transitions=device.transitions,
            peak_shared_pages=device.peak_shared_pages,
            shared_page_time=device.shared_page_seconds if timed else None,
        )
        for device in result.devices
    )
    return rows
