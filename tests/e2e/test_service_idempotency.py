"""Idempotency over real HTTP: 20 concurrent uploads with one origin_id make one boot."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import AnalysisRun, Boot
from app.db.session import Database
from tests.servicekit import Services, bearer, service_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CONCURRENT = 20


def test_concurrent_uploads_with_one_origin_id(
    tmp_path: Path, database_url: str, logs_dir: Path
) -> None:
    env = (
        {"DATABASE_URL": database_url}
        if database_url.startswith("postgresql")
        else {"CVMREVIEW_DATA_DIR": str(Path(database_url.removeprefix("sqlite:///")).parent)}
    )
    kit = Services(tmp_path, service_env(**env))
    log = (logs_dir / "003-tianocore-bz1354-sev-es-ovmf-debug.log").read_bytes()
    barrier = threading.Barrier(CONCURRENT)
    try:
        token = kit.token()
        server = kit.server("--workers", "1")

        def send(_: int) -> httpx.Response:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                barrier.wait()
                return client.post(
                    "/api/v1/boots",
                    files={"log": ("a.log", log)},
                    data={"origin_id": "ci-42"},
                    headers=bearer(token),
                )

        with ThreadPoolExecutor(CONCURRENT) as pool:
            responses = list(pool.map(send, range(CONCURRENT)))
    finally:
        kit.stop()
    codes = sorted(r.status_code for r in responses)
    assert codes.count(202) == 1 and codes.count(200) == CONCURRENT - 1, codes
    assert len({r.json()["id"] for r in responses}) == 1
    db = Database(database_url, pool_size=1)
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Boot)) == 1
            assert session.scalar(select(func.count()).select_from(AnalysisRun)) == 1
    finally:
        db.dispose()
