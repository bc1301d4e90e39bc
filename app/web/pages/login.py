"""Sign-in and sign-out pages; the work is done by the API's /auth endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.access import ViewerDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse, name="login")
def login_page(request: Request, viewer: ViewerDep, next: str = "/") -> HTMLResponse:
    """The sign-in form; ``next`` is only followed when it is a local path."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return render(request, "login.html", {"next": target})
