"""``cvmreview upload --wait`` in a CI log: progress lines, the policy verdict with reasons,
the findings, the page URL, exit 1 on a failing verdict; an ``origin_id`` seen before says so."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from app.synth import get_demo, write_log
from tests.servicekit import CVMREVIEW, Services

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_upload_wait_prints_verdict_reasons_and_findings(
    sqlite_services: Services, tmp_path: Path
) -> None:
    token = sqlite_services.token(project="ci")
    server = sqlite_services.server()
    log = tmp_path / "tdx.log"
    buffer = io.BytesIO()
    write_log(get_demo("tdx-pool-duplicate-slot-bug"), buffer)
    log.write_bytes(buffer.getvalue())
    env = {
        **sqlite_services.env,
        "CVMREVIEW_SERVER": server.url,
        "CVMREVIEW_TOKEN": token,
        "COLUMNS": "80",
    }
    args = [*CVMREVIEW, "upload", str(log), "--wait", "--origin-id", "job-1", "--timeout", "120"]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 1, first.stderr
    out = first.stdout.splitlines()
    assert out[0].startswith("verdict: worst severity high")
    assert "policy verdict: fail (policy v0: 1 finding(s) fail the policy)" in out
    assert any(line.startswith("  reason: POOL-002 severity high") for line in out), out
    finding = [line for line in out if line.startswith("  finding POOL-002 high: ")]
    assert finding and " line " in finding[0]
    assert "  finding BOOT-003 info: Debug logging costs VM exits" in out
    assert out[-1].startswith(f"{server.url}/boots/")
    assert "analysis queued" in first.stderr or "analysis running" in first.stderr
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 1
    assert "existing boot: this origin_id was uploaded before" in again.stderr
    assert again.stdout.splitlines()[-1] == out[-1]
