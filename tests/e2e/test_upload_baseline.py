"""``cvmreview upload --wait`` against real server processes on SQLite and PostgreSQL: what
changed against the baseline (text and JSON), ``--baseline ID`` and the policy overrides
(``--fail-on``, ``--fail-on-rule``, ``--fail-on-new`` and the ``--max-*`` thresholds) recorded
with the verdict."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
from pathlib import Path

import pytest

from app.synth import get_demo, write_log
from tests.servicekit import CVMREVIEW, Services, service_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
BUG = "tdx-pool-duplicate-slot-bug"


def _write(path: Path, *, faults: bool) -> Path:
    demo = get_demo(BUG)
    assert demo is not None
    buffer = io.BytesIO()
    write_log(dataclasses.replace(demo, faults=demo.faults if faults else ()), buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_upload_wait_compares_with_the_baseline(tmp_path: Path, database_url: str) -> None:
    env = (
        {"DATABASE_URL": database_url}
        if database_url.startswith("postgresql")
        else {"CVMREVIEW_DATA_DIR": str(Path(database_url.removeprefix("sqlite:///")).parent)}
    )
    kit = Services(tmp_path, service_env(**env))
    clean, bug = (
        _write(tmp_path / "clean.log", faults=False),
        _write(tmp_path / "bug.log", faults=True),
    )
    try:
        token = kit.token(project="ci")
        server = kit.server()
        cli_env = {**kit.env, "CVMREVIEW_SERVER": server.url, "CVMREVIEW_TOKEN": token}
        cli_env["COLUMNS"] = "80"

        def upload(log: Path, *extra: str) -> subprocess.CompletedProcess[str]:
            args = [*CVMREVIEW, "upload", str(log), "--wait", "--branch", "main", *extra]
            return subprocess.run(args, env=cli_env, capture_output=True, text=True, timeout=180)

        first = upload(clean)
        assert first.returncode == 0, first.stderr
        assert any(
            line.startswith("baseline: none (no earlier passing boot of branch main")
            for line in first.stdout.splitlines()
        ), first.stdout
        first_id = int(first.stdout.splitlines()[-1].rsplit("/", 1)[1])

        second = upload(bug)
        assert second.returncode == 1, second.stderr
        out = second.stdout.splitlines()
        assert (
            f"compared with #{first_id}, the last passing boot of branch main, platform tdx, "
            f"firmware flavour (no image): {server.url}/boots/{first_id}" in out
        )
        assert any(line.startswith("  new POOL-002 high: ") for line in out), out
        assert any(line.startswith("  persisting BOOT-003 info: ") for line in out), out
        assert any(line.startswith("  shared pages at hand-off: ") for line in out), out

        third = upload(
            clean,
            "--baseline",
            str(first_id),
            "--fail-on-rule",
            "BOOT-003",
            "--max-shared-pages",
            "0",
            *("--max-transitions", "0", "--max-bounce-bytes", "0", "--max-debug-exits", "0"),
            "--fail-on",
            "critical",
            "--fail-on-new",
            "--format",
            "json",
        )
        assert third.returncode == 1, third.stderr
        answer = json.loads(third.stdout)
        assert answer["baseline"]["baseline_id"] == first_id
        assert answer["baseline"]["how"] == f"#{first_id}, named on upload"
        assert answer["baseline"]["changes"]["new"] == []
        limits = ("max_shared_pages", "max_transitions", "max_bounce_bytes", "max_debug_exits")
        assert answer["verdict"]["overrides"] == {
            "fail_on": "critical",  # --fail-on reaches the stored verdict
            "fail_rules": ["BOOT-003"],
            "fail_on_new": True,
            **dict.fromkeys(limits, 0),
        }
        assert [r["rule_id"] for r in answer["verdict"]["reasons"]] == ["BOOT-003"]
        shared = answer["baseline"]["shared_pages_at_handoff"]["boot"]
        over = [entry.rsplit(", over ", 1)[1] for entry in answer["verdict"]["thresholds"]]
        assert over == [f"{name} 0" for name in limits if shared or name != "max_shared_pages"]

        bad = upload(clean, "--baseline", "99999")
        assert bad.returncode == 2 and "baseline: no boot 99999" in bad.stderr
    finally:
        kit.stop()
