"""Faults: workers killed with SIGKILL mid-job and during a stream of uploads, PostgreSQL and
Redis restarted during uploads, the database's disk full.

The promise under test: an accepted upload is analysed exactly once in the end (one boot, one
run, done or failed with a reason, one set of findings), and a client sees either success or
a clear retryable error (503/507 with Retry-After and a JSON detail), never a 500 or a
half-stored boot; boots stored before are intact. The stream scenarios are short versions of
``scripts/faults.py`` (both use ``tests/faultkit.py``).
"""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.db.models import AnalysisRun, Boot, Finding
from app.db.session import Database
from tests import faultkit
from tests.e2e.test_service_celery import celery_env
from tests.servicekit import Services, bearer, service_env, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.service, pytest.mark.slow]
BASE_LOG = "008-debian-ovmf-2022.11-debug-plain.log"
UPLOADS = 12  # per scenario; scripts/faults.py runs 100 and more


@pytest.fixture(scope="module")
def big_log(logs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gzip log of ~1.3 million lines (a real boot repeated) that takes seconds to analyse."""
    path = tmp_path_factory.mktemp("big") / "repeated.log.gz"
    path.write_bytes(gzip.compress((logs_dir / BASE_LOG).read_bytes() * 600, 1))
    return path


def wait_until_running(
    client: httpx.Client, boot_id: int, token: str, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        boot = client.get(f"/api/v1/boots/{boot_id}", headers=bearer(token)).json()
        if boot["status"] == "running":
            return
        assert boot["status"] == "queued", boot
        time.sleep(0.05)
    raise AssertionError("the job never started")


def assert_analysed_once(url: str, boot_id: int) -> None:
    db = Database(url, pool_size=1)
    try:
        with db.read() as session:
            runs = session.scalars(select(AnalysisRun).where(AnalysisRun.boot_id == boot_id)).all()
            assert [r.status for r in runs] == ["done"]
            assert runs[0].attempts == 2  # the killed attempt and the one that finished
            boot = session.get(Boot, boot_id)
            assert boot is not None and boot.result_run_id == runs[0].id
            finding_runs = session.scalars(select(Finding.run_id).where(Finding.boot_id == boot_id))
            assert set(finding_runs) <= {runs[0].id}
    finally:
        db.dispose()


def upload_big(client: httpx.Client, token: str, big_log: Path) -> int:
    files = {"log": (big_log.name, big_log.read_bytes())}
    response = client.post("/api/v1/boots", files=files, headers=bearer(token), timeout=120)
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


@pytest.fixture
def celery_services(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[Services]:
    for env in celery_env(tmp_path, postgres_url, redis_url):
        kit = Services(tmp_path, env)
        yield kit
        kit.stop()


def test_celery_worker_killed_mid_job(
    celery_services: Services, big_log: Path, postgres_url: str
) -> None:
    token = celery_services.token()
    server = celery_services.server()
    victim = celery_services.worker("--concurrency", "1")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        boot_id = upload_big(client, token, big_log)
        wait_until_running(client, boot_id, token)
        victim.kill()  # SIGKILL to the worker and its pool process
        assert (
            client.get(f"/api/v1/boots/{boot_id}", headers=bearer(token)).json()["status"]
            == "running"
        )
        celery_services.worker("--concurrency", "1")
        boot = wait_for_status(client, boot_id, token, timeout=240)
        assert boot["status"] == "done", boot
        assert client.get("/api/v1/boots", headers=bearer(token)).json()["count"] == 1
    assert_analysed_once(postgres_url, boot_id)


def test_embedded_server_killed_mid_job(tmp_path: Path, big_log: Path) -> None:
    data = tmp_path / "data"
    kit = Services(tmp_path, service_env(CVMREVIEW_DATA_DIR=str(data), CVMREVIEW_LEASE_SECONDS="3"))
    try:
        token = kit.token()
        first = kit.server("--workers", "1")
        with httpx.Client(base_url=first.url, timeout=30) as client:
            boot_id = upload_big(client, token, big_log)
            wait_until_running(client, boot_id, token)
        first.kill()
        second = kit.server("--workers", "1")
        with httpx.Client(base_url=second.url, timeout=30) as client:
            assert wait_for_status(client, boot_id, token, timeout=240)["status"] == "done"
    finally:
        kit.stop()
    assert_analysed_once(f"sqlite:///{data / 'cvmreview.db'}", boot_id)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[faultkit.Lab]:
    """Private PostgreSQL and Redis (the machine's are shared: never restarted), a server and
    two Celery workers, shared by the scenarios below (each checks only its own uploads)."""
    if reason := faultkit.missing_servers():
        pytest.skip(reason)
    with faultkit.lab(tmp_path_factory.mktemp("lab")) as the_lab:
        yield the_lab


def check(result: faultkit.Result) -> faultkit.Outcome:
    print(result)
    result.assert_promise()
    return result.outcome


def test_workers_killed_during_uploads(lab: faultkit.Lab) -> None:
    check(faultkit.kill_workers(lab, uploads=UPLOADS, down=0))


def test_postgres_restarted_during_uploads(lab: faultkit.Lab) -> None:
    seen = check(faultkit.restart_postgres(lab, uploads=UPLOADS, down=2))
    assert seen.attempts[503] > 0  # the clients were told to retry while it was down


def test_redis_restarted_during_uploads(lab: faultkit.Lab) -> None:
    seen = check(faultkit.restart_redis(lab, uploads=UPLOADS, down=2))
    assert set(seen.attempts) == {202}  # the database is the queue: uploads never noticed


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_full_disk_during_uploads(lab: faultkit.Lab) -> None:
    seen = check(faultkit.full_disk(lab, uploads=UPLOADS, down=2))
    assert seen.attempts[507] > 0 and not seen.attempts[503]
    assert seen.failed == 0  # a result that found the disk full is retried after it was freed


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_full_data_dir_embedded(tmp_path: Path) -> None:
    with faultkit.embedded(tmp_path) as deployment:
        seen = check(faultkit.full_disk(deployment, uploads=12, down=2))
    assert seen.attempts[507] > 0 and not seen.attempts[503]
    assert seen.failed == 0
