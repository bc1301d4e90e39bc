"""Swagger UI at ``/docs`` and ReDoc at ``/redoc`` from the project's own static files.

FastAPI's defaults load both from a CDN, so the pages are blank on a machine without internet
(a CI runner, an air-gapped lab). The vendored copies live in ``static/vendor/swagger-ui`` and
``static/vendor/redoc`` (versions, licences and provenance in ``static/vendor/README.md``);
the composition root turns FastAPI's own docs routes off and calls ``install_docs``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

VENDOR = "/static/vendor"


def install_docs(app: FastAPI, openapi_url: str) -> None:
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{VENDOR}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
