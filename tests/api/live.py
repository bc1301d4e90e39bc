"""A real uvicorn server on a loopback port in a thread, for tests that need concurrency.

``TestClient`` serves one request at a time; load shedding and rate limits need requests in
flight together, so these tests talk HTTP to a real server (the same app ``create_app`` builds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from app.config import Settings
from app.main import create_app
from tests.servicekit import free_port


@contextmanager
def live_server(settings: Settings, *, workers: int = 0) -> Iterator[str]:
    """Serve ``create_app(settings)`` on 127.0.0.1; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, workers=workers), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        httpx.Client().close()
