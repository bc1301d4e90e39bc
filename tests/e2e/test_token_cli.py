"""``cvmreview token list`` / ``token revoke`` against a real server: a revoked token is
refused over HTTP at once (401), the others keep working."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from tests.servicekit import CVMREVIEW, ROOT, Services, bearer, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_revoked_token_is_rejected_over_http(sqlite_services: Services) -> None:
    kept = sqlite_services.token(project="ci")
    revoked = sqlite_services.token(project="ci")
    server = sqlite_services.server()
    listed = json.loads(run_cli(["token", "list", "--format", "json"], sqlite_services.env))
    assert [(t["project"], t["revoked"]) for t in listed] == [("ci", None), ("ci", None)]
    assert {t["prefix"] for t in listed} == {kept[:11], revoked[:11]}
    assert all(kept not in json.dumps(t) for t in listed)  # never a secret
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for token in (kept, revoked):
            assert client.get("/api/v1/boots", headers=bearer(token)).status_code == 200
        target = next(t for t in listed if t["prefix"] == revoked[:11])
        out = run_cli(["token", "revoke", target["prefix"]], sqlite_services.env)
        assert f"revoked token {target['id']}" in out
        refused = client.get("/api/v1/boots", headers=bearer(revoked))
        assert refused.status_code == 401 and "detail" in refused.json()
        assert client.get("/api/v1/boots", headers=bearer(kept)).status_code == 200
    after = json.loads(run_cli(["token", "list", "--all", "--format", "json"], sqlite_services.env))
    assert [t["revoked"] is not None for t in after] == [t["id"] == target["id"] for t in after]
    assert len(json.loads(run_cli(["token", "list", "--format", "json"], sqlite_services.env))) == 1
    again = subprocess.run(
        [*CVMREVIEW, "token", "revoke", str(target["id"])],
        env=sqlite_services.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and "revoked already" in again.stderr
    text = run_cli(["token", "list", "--all"], {**sqlite_services.env, "COLUMNS": "80"})
    assert f"{target['id']}: prefix {target['prefix']}, project ci" in text
