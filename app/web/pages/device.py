"""A device of a boot (its DMA statistics, the mappings the result keeps, how it was
attributed), and the boot page's tables as CSV or JSON downloads (``.csv``/``.json`` links,
``?_format=``, as datasette offers them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.analysis.document import ResultDocument
from app.db.models import Boot
from app.http.deps import SessionDep
from app.http.params import BootIdPath
from app.service.results import require_result
from app.service.tables import boot_table, device_view
from app.web.access import Viewer, ViewerDep, load_boot
from app.web.downloads import download, refusals_as_pages
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def _document(session: SessionDep, viewer: Viewer, boot_id: int) -> tuple[Boot, ResultDocument]:
    """The boot (if the viewer may read it) and its result document (a page error if none)."""
    boot = load_boot(session, viewer, boot_id)
    with refusals_as_pages():
        return boot, require_result(session, boot)


@router.get("/boots/{boot_id}/tables/{table}.{fmt}", name="boot_table")
def boot_table_file(
    boot_id: BootIdPath, table: str, fmt: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """``devices`` or ``findings`` of the boot page as ``csv`` or ``json``."""
    boot, document = _document(session, viewer, boot_id)
    with refusals_as_pages():
        rows = boot_table(document, table)
    return download(rows, fmt, f"boot-{boot.id}.{table}")


@router.get("/boots/{boot_id}/devices/{device:path}", name="boot_device")
def device_page(
    request: Request,
    boot_id: BootIdPath,
    device: str,
    session: SessionDep,
    viewer: ViewerDep,
    _format: str | None = None,
) -> Response:
    """The device's page, or its mappings as a download with ``?_format=csv|json``."""
    boot, document = _document(session, viewer, boot_id)
    with refusals_as_pages():
        view = device_view(document, device)
    if _format is not None:
        stem = f"boot-{boot.id}.{_slug(device)}.mappings"
        return download(view.table, _format, stem)
    context: dict[str, Any] = {
        "boot": boot,
        "view": view,
        "seconds": document.source.has_timestamps,
        "pool_supported": document.platform.reserved_pool,
    }
    page: HTMLResponse = render(request, "device.html", context)
    return page


def _slug(name: str) -> str:
    """A device name as a file-name part (``virtio-blk 00:03.0`` -> ``virtio-blk-00-03.0``)."""
    return "".join(c if c.isalnum() or c in "-." else "-" for c in name).strip("-") or "device"
