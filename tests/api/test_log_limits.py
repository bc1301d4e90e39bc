"""The raw log by lines stays bounded: a huge line is cut while it streams past, a range stops
before the response cap, and the log viewer never decodes more than it shows."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.web.log_ranges import MAX_LINE_CHARS
from tests.conftest import make_settings
from tests.servicekit import bearer, upload

MIB = 1024 * 1024
HUGE = 24 * MIB


def huge_line_log() -> bytes:
    return b"first line\n" + b"A" * HUGE + b"\nthird line\n"


def test_huge_line_is_cut_and_costs_little_memory(settings, make_token) -> None:
    with TestClient(create_app(settings, workers=0)) as client:  # no analysis in the way
        check_huge_line(client, make_token(public=True))


def check_huge_line(client: TestClient, token: str) -> None:
    created = upload(client, token, huge_line_log(), name="huge.log")
    assert created.status_code == 202, created.text
    boot_id = created.json()["id"]
    tracemalloc.start()
    try:
        response = client.get(f"/api/v1/boots/{boot_id}/log?start=1&end=3", headers=bearer(token))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    lines = response.content.split(b"\n")
    assert lines[0] == b"first line" and lines[2] == b"third line"
    cap = int(response.headers["x-max-line-bytes"])
    assert lines[1] == b"A" * cap and cap < MIB
    assert len(response.content) < 2 * cap
    assert peak < 12 * MIB, f"peak {peak / MIB:.1f} MiB for a {HUGE // MIB} MiB line"
    page = client.get(f"/boots/{boot_id}/log/lines?start=1&count=3", headers=bearer(token))
    assert page.status_code == 200
    assert "A" * MAX_LINE_CHARS in page.text and "A" * (MAX_LINE_CHARS + 1) not in page.text
    assert "third line" in page.text


def test_range_stops_before_the_response_cap(tmp_path: Path, database_url, make_token) -> None:
    settings = make_settings(tmp_path, database_url, max_log_response_bytes=1000)
    log = b"".join(b"line %04d " % i + b"x" * 39 + b"\n" for i in range(1, 101))  # 50 B each
    with TestClient(create_app(settings, workers=0)) as client:
        token = make_token()
        boot_id = upload(client, token, log).json()["id"]
        response = client.get(f"/api/v1/boots/{boot_id}/log?start=1&end=100", headers=bearer(token))
        assert response.status_code == 200
        assert response.headers["x-line-end"] == "20" and len(response.content) == 1000
        rest = client.get(f"/api/v1/boots/{boot_id}/log?start=21&end=21", headers=bearer(token))
        assert rest.content.startswith(b"line 0021 ")
