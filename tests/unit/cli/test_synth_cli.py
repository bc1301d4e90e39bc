"""``cvmreview synth``: writes log + truth, and rejects bad workloads with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli


def test_synth_cli_demo_writes_log_and_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "d.log", tmp_path / "t.json"
    result = CliRunner().invoke(
        cli, ["synth", "--demo", "sev-legacy-202211-leak", "-o", str(out), "--truth", str(truth)]
    )
    assert result.exit_code == 0, result.output
    assert "synthesized sev-legacy-202211-leak" in result.output
    assert out.read_bytes().startswith(b"# cvmreview synthesized log: {")
    data = json.loads(truth.read_text())
    assert data["synthesized"] is True and data["faults"][0]["rule_id"] == "IOMMU-001"


def test_synth_cli_workload_file_and_requests(tmp_path: Path) -> None:
    spec = {
        "name": "file",
        "seed": 3,
        "platform": "tdx",
        "edk2": "202405",
        "pool": True,
        "devices": [{"kind": "virtio-blk", "bdf": "00:04.0", "requests": 1}],
    }
    path = tmp_path / "w.json"
    path.write_text(json.dumps(spec))
    out, lines = tmp_path / "o.log", tmp_path / "t.jsonl"
    result = CliRunner().invoke(
        cli, ["synth", str(path), "-o", str(out), "--requests", "7", "--truth-lines", str(lines)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(x) for x in lines.read_text().splitlines()]
    assert sum(r["type"] == "mapping" for r in records) == 1 + 3 * 7


def test_synth_cli_bad_workload_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"name": "x", "seed": 1, "platform": "sev", "edk2": "202211", "pool": True})
    )
    result = CliRunner().invoke(cli, ["synth", str(path), "-o", str(tmp_path / "o.log")])
    assert result.exit_code == 2
    assert "invalid workload" in result.output and "Traceback" not in result.output


def test_synth_cli_unknown_demo_and_bad_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["synth", "--demo", "nope", "-o", str(tmp_path / "o.log")])
    assert result.exit_code == 2 and "unknown demo" in result.output
    bad = tmp_path / "b.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(cli, ["synth", str(bad), "-o", str(tmp_path / "o.log")])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    result = CliRunner().invoke(cli, ["synth", "-o", str(tmp_path / "o.log")])
    assert result.exit_code == 2
