"""The only place that assembles the API routers (mounted under /api/v1 by ``create_app``),
with the error answers each group of routes can give, so that the OpenAPI document lists
every status a client may see (schemathesis checks it: ``tests/api/test_schemathesis.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.routes import (
    auth,
    boots,
    devices,
    exports,
    health,
    logs,
    projects,
    results,
    review,
    verdict,
)
from app.api.schemas import ErrorPublic


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorPublic, "description": ERRORS[code]} for code in codes}


ERRORS = {
    401: "no or an invalid token or session (sign in first)",
    403: "no permission, or a cookie-authenticated write without its CSRF token",
    404: "no such boot or project, or the caller may not know it exists",
    409: "the boot has no result yet, or a stale one (re-analyse it)",
    413: "the request body or the decompressed log is over a limit",
    416: "the lines are outside the log",
    422: "invalid request: a bad parameter, field or upload",
    429: "too many failed sign-ins: wait Retry-After seconds",
    503: "the server is busy or the database is unavailable: retry after Retry-After seconds",
    507: "the server's storage is full, nothing was stored: retry after Retry-After seconds",
}
EVERYWHERE = (401, 422, 503)  # any caller may send a bad token; any server may be busy
WRITES = (403, 413, 507)  # CSRF, body limit, full disk

api_router = APIRouter()
api_router.include_router(boots.router, responses=errors(*EVERYWHERE, *WRITES, 404))
api_router.include_router(results.router, responses=errors(*EVERYWHERE, 404, 409))
api_router.include_router(logs.router, responses=errors(*EVERYWHERE, 404))
api_router.include_router(devices.router, responses=errors(*EVERYWHERE, 404, 409))
api_router.include_router(projects.router, responses=errors(*EVERYWHERE))
api_router.include_router(auth.router, responses=errors(*EVERYWHERE, *WRITES))
api_router.include_router(health.router, responses=errors(503))
api_router.include_router(review.router, responses=errors(*EVERYWHERE, *WRITES, 404, 409))
api_router.include_router(exports.router, responses=errors(*EVERYWHERE, 404, 409))
api_router.include_router(verdict.router, responses=errors(*EVERYWHERE, *WRITES, 404, 409))
