"""The result document projected onto rows the lists filter and sort on.

The document itself is stored as a blob and is the truth; the ``findings`` and
``device_stats`` rows and the boot's summary columns (platform, worst severity) are copies of
parts of it, so the boot list and the API can filter without parsing documents. Written when
a run completes (``app.service.lease.complete_run``).
"""

from __future__ import annotations

from typing import Any

from app.db.models import Boot, DeviceStat, Finding
from app.db.queries import severity_rank


def engine_version_of(result: dict[str, Any]) -> str:
    return str(result.get("engine_version", ""))


def schema_version_of(result: dict[str, Any]) -> str:
    return str(result.get("schema_version", ""))


def apply_summary(boot: Boot, result: dict[str, Any]) -> None:
    """Copy the result's platform and worst severity onto the boot (now current, not stale)."""
    verdict = result.get("verdict") or {}
    worst = verdict.get("worst_severity")
    platform = (result.get("platform") or {}).get("kind")
    boot.platform = platform
    boot.worst_severity = worst
    boot.severity_rank = severity_rank(worst) if worst else None
    boot.stale = False


def result_rows(result: dict[str, Any], *, boot_id: int, run_id: int) -> list[Finding | DeviceStat]:
    """The finding and device-statistics rows of one run's result document."""
    rows: list[Finding | DeviceStat] = []
    for item in result.get("findings") or []:
        severity = str(item.get("severity", "info"))
        rows.append(
            Finding(
                boot_id=boot_id,
                run_id=run_id,
                rule_id=str(item.get("id", "")),
                severity=severity,
                severity_rank=severity_rank(severity),
                title=str(item.get("title", "")),
                explanation=str(item.get("explanation", "")),
                advice=str(item.get("advice", "")),
                lines=list(item.get("lines") or []),
                count=int(item.get("count", 1)),
                fingerprint=str(item.get("fingerprint", "")),
                key=None if item.get("key") is None else str(item.get("key")),
            )
        )
    for item in result.get("devices") or []:
        rows.append(
            DeviceStat(
                boot_id=boot_id,
                run_id=run_id,
                device=str(item.get("device", "")),
                attribution_method=(item.get("attribution") or {}).get("method"),
                maps_by_operation=dict(item.get("maps_by_operation") or {}),
                bytes=int(item.get("bytes", 0)),
                pages=int(item.get("pages", 0)),
                bounce_bytes=int(item.get("bounce_bytes", 0)),
                transitions=int(item.get("transitions", 0)),
                peak_shared_pages=int(item.get("peak_shared_pages", 0)),
                shared_page_time=item.get("shared_page_time"),
            )
        )
    return rows
