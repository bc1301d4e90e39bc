"""Overload is refused fast (503 + Retry-After), never queued in the thread or database pool."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from app.db.session import Database
from tests.api.live import live_server
from tests.conftest import make_settings

BOUNDARY = "slowslowslow"


def slow_body(seconds: float) -> Iterator[bytes]:
    """A multipart upload that takes ``seconds`` to arrive: the server reads it all before
    answering, so the request keeps its slot that long."""
    part = 'Content-Disposition: form-data; name="log"; filename="a.log"'
    yield f"--{BOUNDARY}\r\n{part}\r\n\r\n".encode()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        yield b"x" * 16
        time.sleep(0.05)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def hold_slot(base: str, seconds: float) -> threading.Thread:
    def post() -> None:
        headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
        httpx.post(f"{base}/api/v1/boots", content=slow_body(seconds), headers=headers)

    thread = threading.Thread(target=post)
    thread.start()
    time.sleep(0.5)  # its headers are in: the app has given it the slot
    return thread


def first_refusal(base: str, within: float = 5.0) -> tuple[httpx.Response, float]:
    """Poll /health until it is refused (the slow request got its slot first); the answer
    and how long it took."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        started = time.monotonic()
        response = httpx.get(f"{base}/api/v1/health", timeout=10)
        if response.status_code != 200:
            return response, time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("never refused while the only slot was busy")


def test_full_server_answers_503_with_retry_after_at_once(tmp_path: Path, database_url) -> None:
    settings = make_settings(
        tmp_path, database_url, max_concurrent_requests=1, max_queued_requests=0
    )
    with live_server(settings) as base:
        busy = hold_slot(base, 6.0)
        refused, took = first_refusal(base)
        assert took < 1.0
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert "busy" in refused.json()["detail"]
        busy.join()
        assert httpx.get(f"{base}/api/v1/health", timeout=10).status_code == 200


def test_waiting_request_is_served_when_a_slot_frees_up(tmp_path: Path, database_url) -> None:
    settings = make_settings(
        tmp_path, database_url, max_concurrent_requests=1, queue_wait_seconds=5.0
    )
    with live_server(settings) as base:
        busy = hold_slot(base, 1.5)
        waited = httpx.get(f"{base}/api/v1/health", timeout=10)
        assert waited.status_code == 200
        busy.join()


def test_wait_for_a_slot_is_bounded(tmp_path: Path, database_url) -> None:
    settings = make_settings(
        tmp_path, database_url, max_concurrent_requests=1, queue_wait_seconds=0.5
    )
    with live_server(settings) as base:
        busy = hold_slot(base, 6.0)
        refused, took = first_refusal(base)
        assert 0.4 < took < 3.0
        assert refused.status_code == 503 and "0.5 s" in refused.json()["detail"]
        busy.join()


def test_database_pool_holds_a_connection_per_request_slot(settings) -> None:
    database = Database(settings.sqlalchemy_url, pool_size=settings.pool_size)
    try:
        assert database.engine.pool.size() == settings.max_concurrent_requests + 3  # type: ignore[attr-defined]
    finally:
        database.dispose()
