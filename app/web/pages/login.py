"""Sign-in and sign-out pages; the work is done by the API's /auth endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.access import ViewerDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_NEXT_CHARS = 2000


def local_path(target: str) -> str:
    """``target`` when it is a path on this site, else ``/``.

    Browsers read ``/\\host``, ``/\\t/host`` and ``\\\\host`` like ``//host`` (another site),
    and drop tabs and newlines anywhere in a URL, so only a single ``/`` followed by a
    character that is not ``/`` or ``\\``, with no backslash or control character anywhere,
    is accepted."""
    if len(target) > MAX_NEXT_CHARS or not target.startswith("/"):
        return "/"
    if target[1:2] in ("/", "\\") or "\\" in target:
        return "/"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse, name="login")
def login_page(request: Request, viewer: ViewerDep, next: str = "/") -> HTMLResponse:
    """The sign-in form; ``next`` is only followed when it is a path on this site."""
    return render(request, "login.html", {"next": local_path(next)})
