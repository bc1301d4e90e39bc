"""End to end on PostgreSQL with Celery on Redis: a real server and real `cvmreview worker`s."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import truncate_all
from tests.servicekit import Services, bearer, service_env, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.service, pytest.mark.slow]
LOGS = [
    "003-tianocore-bz1354-sev-es-ovmf-debug.log",
    "005-tianocore-bz579-plain-ovmf-debug.log",
    "007-freelancer-leon-tdx-lazy-accept-excerpt.log",
    "008-debian-ovmf-2022.11-debug-plain.log",
]


def celery_env(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[dict[str, str]]:
    """Environment for a fresh database and a private Redis database (flushed around)."""
    truncate_all(postgres_url)
    broker = redis_url.rsplit("/", 1)[0] + f"/{random.randint(8, 15)}"
    connection = redis.Redis.from_url(broker)
    connection.flushdb()
    yield service_env(
        DATABASE_URL=postgres_url,
        CVMREVIEW_BROKER_URL=broker,
        CVMREVIEW_DATA_DIR=str(tmp_path / "data"),
        CVMREVIEW_LEASE_SECONDS="3",
        CVMREVIEW_POLL_SECONDS="0.5",
        CVMREVIEW_REQUEUE_SECONDS="20",
    )
    connection.flushdb()


@pytest.fixture
def services(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Services]:
    for env in celery_env(tmp_path, postgres_url, redis_url):
        kit = Services(tmp_path, env)
        yield kit
        kit.stop()


def test_celery_workers_analyse_uploads(services: Services, logs_dir: Path) -> None:
    token = services.token()
    server = services.server()
    services.worker("--concurrency", "1")
    services.worker("--concurrency", "1", "--pool", "solo")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        health = client.get("/api/v1/health").json()
        assert (health["database"], health["job_backend"]) == ("postgresql", "celery")
        ids = []
        for name in LOGS:
            files = {"log": (name, (logs_dir / name).read_bytes())}
            response = client.post("/api/v1/boots", files=files, headers=bearer(token))
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
        boots = [wait_for_status(client, boot_id, token, timeout=120) for boot_id in ids]
        assert [b["status"] for b in boots] == ["done"] * len(LOGS)
        assert [b["platform"] for b in boots] == ["sev-es", "none", "tdx", "none"]
        workers = {b["latest_run"]["attempts"] for b in boots}
        assert workers == {1}
        result = client.get(f"/api/v1/boots/{ids[0]}/result", headers=bearer(token))
        assert result.json()["platform"]["kind"] == "sev-es"


def test_upload_while_no_worker_runs_is_analysed_later(services: Services, logs_dir: Path) -> None:
    token = services.token()
    server = services.server()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        files = {"log": ("a.log", (logs_dir / LOGS[2]).read_bytes())}
        boot_id = client.post("/api/v1/boots", files=files, headers=bearer(token)).json()["id"]
        assert (
            client.get(f"/api/v1/boots/{boot_id}", headers=bearer(token)).json()["status"]
            == "queued"
        )
        services.worker("--concurrency", "1")
        assert wait_for_status(client, boot_id, token, timeout=120)["status"] == "done"
