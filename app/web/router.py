"""The only place that assembles the page routers, and ``install_pages`` for ``create_app``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from app.web.access import PageError
from app.web.pages import (
    blame,
    boot_detail,
    boots_list,
    branch_history,
    compare,
    device,
    log_viewer,
    login,
)
from app.web.templating import build_templates, render

web_router = APIRouter(include_in_schema=False)
for module in (boots_list, boot_detail, blame, branch_history, device, log_viewer, compare, login):
    web_router.include_router(module.router)


def install_pages(app: FastAPI) -> None:
    """Templates, the page routes and the HTML error page (static files are mounted by
    ``create_app``)."""
    app.state.web_templates = build_templates()
    app.include_router(web_router)

    async def page_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, PageError)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": exc.message, "next": request.url.path},
            status_code=exc.status_code,
        )

    app.add_exception_handler(PageError, page_error)
