"""The composition root: ``create_app(settings)`` wires settings, database, queue and routers.

The only module (with ``app.entrypoints``) that may import the adapters: the API and page
routers, and the job queue. Start-up prepares the database (``app.service.database``:
migrations, stale results) and starts the job queue (embedded workers, or the Celery
publisher and its reaper). Nothing happens at import time: ``uvicorn --factory
app.main:create_app`` or ``cvmreview serve`` build the app.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.api.docs import install_docs
from app.api.router import api_router
from app.config import Settings, get_settings, with_secret_key
from app.db.session import storage_full
from app.http.errors import install_error_handler
from app.http.headers import SecurityHeadersMiddleware
from app.http.limits import BodyLimitMiddleware, NulInUrlMiddleware
from app.http.shedding import ConcurrencyLimitMiddleware
from app.http.throttle import LoginThrottle
from app.jobs.queue import get_queue
from app.resources import static_dir
from app.service.database import prepare_database

API_PREFIX = "/api/v1"
STORAGE_FULL = "the server's storage is full: nothing was stored; retry once space is freed"
STORAGE_FULL_RETRY_SECONDS = 30  # freeing space takes an operator, not a moment
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, workers: int | None = None) -> FastAPI:
    """Build the app; ``workers`` overrides the number of embedded workers (0: none)."""
    settings = with_secret_key(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _size_thread_pool(settings)
        db = prepare_database(settings)
        queue = get_queue(settings, db, workers=workers)
        app.state.db, app.state.queue = db, queue
        queue.start()
        try:
            yield
        finally:
            queue.stop()
            db.dispose()

    app = FastAPI(
        title="cvmreview",
        summary="Review the boots of confidential VMs: upload logs, get findings and verdicts.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served from static/vendor by install_docs (no CDN)
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    install_docs(app, f"{API_PREFIX}/openapi.json")
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle(
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
        lockout_seconds=settings.login_lockout_seconds,
    )
    app.include_router(api_router, prefix=API_PREFIX)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes)
    app.add_middleware(NulInUrlMiddleware)
    app.add_middleware(
        ConcurrencyLimitMiddleware,
        max_active=settings.max_concurrent_requests,
        max_waiting=settings.max_queued_requests,
        wait_seconds=settings.queue_wait_seconds,
    )
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: refusals get the headers too
    _add_error_handlers(app)
    install_error_handler(app)
    _mount_frontend(app)
    return app


def _size_thread_pool(settings: Settings) -> None:
    """Threads for every request served at once (sync routes and dependencies run in them),
    so the thread pool, the load shedder and the database pool agree on one number."""
    import anyio.to_thread

    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, settings.max_concurrent_requests + 8)


def _add_error_handlers(app: FastAPI) -> None:
    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
        if storage_full(exc):
            return JSONResponse(
                {"detail": STORAGE_FULL},
                status_code=507,
                headers={"Retry-After": str(STORAGE_FULL_RETRY_SECONDS)},
            )
        detail = "the database is unavailable; retry shortly"
        if request.method not in ("GET", "HEAD"):
            detail += " (nothing was stored)"
        return JSONResponse(
            {"detail": detail},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # The parameter types bound every number and text; this is the net under them.
        log.warning("value refused by the database on %s: %s", request.url.path, exc)
        detail = "a value of the request is out of range for the database"
        return JSONResponse({"detail": detail}, status_code=422)

    for unavailable in (OperationalError, DBAPIError, PoolTimeout):
        app.add_exception_handler(unavailable, database_down)
    for refused in (DataError, OverflowError):
        app.add_exception_handler(refused, out_of_range)
    app.add_exception_handler(Exception, internal_error)


def _mount_frontend(app: FastAPI) -> None:
    """Static files (from the package, ``app.resources``) and the pages."""
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    from app.web.router import install_pages

    install_pages(app)
