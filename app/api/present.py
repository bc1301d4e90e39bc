"""ORM rows -> API schemas, with absolute links built from the public URL or the request."""

from __future__ import annotations

from fastapi import Request

from app.api.schemas import BootCreated, BootPublic, RunPublic
from app.config import Settings
from app.db.models import AnalysisRun, Boot

API_PREFIX = "/api/v1"


def base_url(request: Request, settings: Settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def boot_links(boot_id: int, base: str) -> dict[str, str]:
    """Where a person looks (the boot page) and where machines poll."""
    return {
        "url": f"{base}/boots/{boot_id}",
        "status_url": f"{base}{API_PREFIX}/boots/{boot_id}",
        "result_url": f"{base}{API_PREFIX}/boots/{boot_id}/result",
    }


def boot_created(boot_id: int, status: str, base: str, *, existing: bool) -> BootCreated:
    links = boot_links(boot_id, base)
    return BootCreated(
        id=boot_id,
        status=status,  # type: ignore[arg-type]
        status_url=links["status_url"],
        url=links["url"],
        existing=existing,
    )


def boot_public(boot: Boot, base: str, run: AnalysisRun | None = None) -> BootPublic:
    return BootPublic(
        id=boot.id,
        project=boot.project.name,
        name=boot.name,
        branch=boot.branch,
        commit=boot.commit,
        ci_url=boot.ci_url,
        tags=list(boot.tags or []),
        origin_id=boot.origin_id,
        status=boot.status,  # type: ignore[arg-type]
        error=boot.error,
        platform=boot.platform,
        worst_severity=boot.worst_severity,
        stale=boot.stale,
        synthesized=boot.synthesized,
        provenance=boot.provenance,
        log_sha256=boot.log_sha256,
        log_bytes=boot.log_bytes,
        log_lines=boot.log_lines,
        firmware_sha256=boot.firmware_sha256,
        firmware_metadata=boot.firmware_metadata,
        created_at=boot.created_at,
        updated_at=boot.updated_at,
        latest_run=RunPublic.model_validate(run) if run is not None else None,
        **boot_links(boot.id, base),
    )
