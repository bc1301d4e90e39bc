"""End to end on SQLite: a real `cvmreview serve` (uvicorn, embedded workers) over real HTTP."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servicekit import CVMREVIEW, ROOT, Services, bearer, service_env, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SEV_ES = "003-tianocore-bz1354-sev-es-ovmf-debug.log"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    kit = Services(tmp_path, service_env(CVMREVIEW_DATA_DIR=str(tmp_path / "data")))
    yield kit
    kit.stop()


def test_upload_poll_and_fetch_over_http(services: Services, logs_dir: Path) -> None:
    token = services.token()
    server = services.server()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.post(
            "/api/v1/boots",
            files={"log": (SEV_ES, (logs_dir / SEV_ES).read_bytes())},
            data={"branch": "main"},
            headers=bearer(token),
        )
        assert response.status_code == 202, response.text
        boot = wait_for_status(client, response.json()["id"], token)
        assert (boot["status"], boot["platform"]) == ("done", "sev-es")
        result = client.get(f"/api/v1/boots/{boot['id']}/result", headers=bearer(token)).json()
        assert result["source"]["lines"] == 1811
        findings = client.get(f"/api/v1/boots/{boot['id']}/findings", headers=bearer(token))
        assert findings.json()["count"] == len(result["findings"])
        assert client.get("/docs").status_code == 200
        assert client.get("/api/v1/boots").json()["count"] == 0  # anonymous: e2e is private


def test_upload_cli_waits_and_prints_verdict(services: Services, logs_dir: Path) -> None:
    token = services.token()
    server = services.server()
    result = subprocess.run(
        [
            *CVMREVIEW,
            "upload",
            str(logs_dir / SEV_ES),
            "--server",
            server.url,
            "--token",
            token,
            "--branch",
            "main",
            "--wait",
            "--timeout",
            "120",
        ],
        env=services.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("verdict: worst severity ")
    assert "platform sev-es" in lines[1]
    assert lines[-1].startswith(f"{server.url}/boots/")
    failing = subprocess.run(
        [
            *CVMREVIEW,
            "upload",
            str(logs_dir / SEV_ES),
            "--server",
            server.url,
            "--token",
            token,
            "--wait",
            "--fail-on",
            "info",
        ],
        env=services.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert failing.returncode == 1, failing.stderr
    bad = subprocess.run(
        [*CVMREVIEW, "upload", str(logs_dir / SEV_ES), "--server", server.url, "--token", "nope"],
        env=services.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "401" in bad.stderr
