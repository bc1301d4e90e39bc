"""``GET /boots/{id}/devices/{device}``: one device of a boot, as its page shows it (statistics,
attribution explained, the mappings the result keeps)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.analysis.jsondata import to_json
from app.api.deps import ReadableBoot
from app.http.deps import SessionDep
from app.service.results import require_result
from app.service.tables import device_view

router = APIRouter(prefix="/boots/{boot_id}", tags=["results"])


@router.get("/devices/{device:path}", response_class=JSONResponse)
def read_device(boot: ReadableBoot, session: SessionDep, device: str) -> dict[str, Any]:
    """The device's statistics, how its maps were attributed (each method explained) and its
    kept mappings (``pool``: a reserved-pool slot, else legacy). 404 for an unknown device."""
    view = device_view(require_result(session, boot), device)
    return {
        "boot_id": boot.id,
        "device": to_json(view.device),
        "attribution": {
            "method": view.device.attribution.method,
            "explanation": view.method_explained,
            "methods": [
                {"method": m, "maps": n, "explanation": text}
                for m, n, text in view.methods_explained
            ],
        },
        "mappings": view.table.records(),
        "mappings_kept": len(view.mappings),
        "mappings_kept_all_devices": view.kept_total,
        "mappings_all_devices": view.lifetimes_total,
    }
