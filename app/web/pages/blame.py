"""The blame page: where a boot spent its time (or its log lines), per phase and per module,
as ``systemd-analyze blame`` lists units (``app.service.blame`` computes it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.http.deps import SessionDep
from app.http.params import BootIdPath
from app.service.blame import build_blame
from app.web.access import ViewerDep, load_result
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/boots/{boot_id}/blame", response_class=HTMLResponse, name="boot_blame")
def boot_blame(
    request: Request, boot_id: BootIdPath, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    boot, document = load_result(session, viewer, boot_id)
    context = {"boot": boot, "doc": document, "blame": build_blame(document)}
    return render(request, "boots/blame.html", context)
