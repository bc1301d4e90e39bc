"""Faults: workers killed with SIGKILL mid-job, PostgreSQL restarted during uploads.

The promise under test: an accepted upload is analysed exactly once in the end (one boot, one
done run, one set of findings), and a client sees either success or a clear error, never a
half-stored boot.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import AnalysisRun, Blob, Boot, Finding
from app.db.session import Database
from tests.e2e.test_service_celery import celery_env
from tests.servicekit import Services, bearer, service_env, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.service, pytest.mark.slow]
BASE_LOG = "008-debian-ovmf-2022.11-debug-plain.log"


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


def restart_postgres() -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="needs pg_ctlcluster")
def test_postgres_restart_during_uploads(tmp_path: Path, postgres_url: str, logs_dir: Path) -> None:
    from tests.conftest import truncate_all

    truncate_all(postgres_url)
    kit = Services(tmp_path, service_env(DATABASE_URL=postgres_url, CVMREVIEW_LEASE_SECONDS="5"))
    log = (logs_dir / "007-freelancer-leon-tdx-lazy-accept-excerpt.log").read_bytes()
    outcomes: dict[str, list[int]] = {}
    stop = threading.Event()
    try:
        token = kit.token()
        server = kit.server("--workers", "1")

        def uploader(worker: int) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                number = 0
                while not stop.is_set():
                    origin = f"w{worker}-{number}"
                    try:
                        response = client.post(
                            "/api/v1/boots",
                            files={"log": ("a.log", log)},
                            data={"origin_id": origin},
                            headers=bearer(token),
                        )
                        code = response.status_code
                        if code >= 400:
                            assert "detail" in response.json()
                    except httpx.TransportError:
                        code = 0
                    outcomes.setdefault(origin, []).append(code)
                    if code in (200, 202):
                        number += 1
                    time.sleep(0.05)

        threads = [threading.Thread(target=uploader, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        restart_postgres()
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        codes = [code for history in outcomes.values() for code in history]
        assert set(codes) <= {200, 202, 503}, sorted(set(codes))
        accepted = {origin for origin, history in outcomes.items() if history[-1] in (200, 202)}
        print("upload answers during the restart:", {c: codes.count(c) for c in set(codes)})
        with httpx.Client(base_url=server.url, timeout=30) as client:
            boots, offset = [], 0
            while page := client.get(
                "/api/v1/boots", params={"limit": 500, "offset": offset}, headers=bearer(token)
            ).json()["data"]:
                boots += page
                offset += len(page)
            assert {b["origin_id"] for b in boots} >= accepted
            for boot in boots:
                assert wait_for_status(client, boot["id"], token, timeout=120)["status"] == "done"
    finally:
        stop.set()
        kit.stop()
    db = Database(postgres_url, pool_size=1)
    try:
        with db.read() as session:
            boots = session.scalars(select(Boot)).all()
            origins = [b.origin_id for b in boots]
            assert len(origins) == len(set(origins))  # nothing stored twice
            for boot in boots:  # nothing half-stored: blob and run exist for every boot
                assert session.get(Blob, boot.log_sha256) is not None
                runs = session.scalar(
                    select(func.count())
                    .select_from(AnalysisRun)
                    .where(AnalysisRun.boot_id == boot.id)
                )
                assert runs == 1
    finally:
        db.dispose()
