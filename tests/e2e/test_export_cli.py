"""``cvmreview export BOOT_ID FORMAT`` against a real ``cvmreview serve`` over HTTP."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from app.synth import get_demo, write_log
from tests.servicekit import CVMREVIEW, ROOT, Services, upload, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def cvmreview(
    *args: str, env: dict[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CVMREVIEW, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_export_downloads_files_and_reports_refusals(
    sqlite_services: Services, tmp_path: Path
) -> None:
    import httpx

    token = sqlite_services.token()
    server = sqlite_services.server()
    log = io.BytesIO()
    write_log(get_demo("tdx-pool-duplicate-slot-bug"), log)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        boot_id = upload(client, token, log.getvalue(), name="tdx.log").json()["id"]
        assert wait_for_status(client, boot_id, token)["status"] == "done"
    env = {**sqlite_services.env, "CVMREVIEW_SERVER": server.url, "CVMREVIEW_TOKEN": token}
    target = tmp_path / "report.sarif"
    done = cvmreview("export", str(boot_id), "sarif", "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    results = json.loads(target.read_text())["runs"][0]["results"]
    assert "POOL-002" in [r["ruleId"] for r in results]
    default_name = cvmreview("export", str(boot_id), "junit", env=env, cwd=tmp_path)
    assert default_name.returncode == 0 and (tmp_path / f"boot-{boot_id}.junit.xml").is_file()
    missing = cvmreview("export", "999", "sarif", "-o", str(tmp_path / "x"), env=env)
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    bad_token = cvmreview("export", str(boot_id), "sarif", "--token", "nope", env=env)
    assert bad_token.returncode == 2 and "HTTP 401" in bad_token.stderr
    unknown = cvmreview("export", str(boot_id), "pdf", env=env)
    assert unknown.returncode == 2 and "pdf" in unknown.stderr
