"""``cvmreview analyze LOG --export FORMAT=PATH``: the engine's exports written offline."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.analysis.export import EXPORTS
from app.analysis.report import analyze_file
from app.cli import cli

LOG = (
    Path(__file__).parents[3] / "app" / "data" / "logs" / "004-tianocore-bz1341-sev-pei-assert.log"
)


def test_analyze_writes_every_export(tmp_path: Path) -> None:
    args = ["analyze", str(LOG), "-q"]
    for export in EXPORTS:
        args += ["--export", f"{export.name}={tmp_path / ('out' + export.suffix)}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    document = analyze_file(LOG)
    for export in EXPORTS:
        written = (tmp_path / f"out{export.suffix}").read_bytes()
        if export.name == "json":
            assert json.loads(written)["source"] == document.to_dict()["source"]
        elif export.name != "junit":  # junit carries the analysis time
            assert written == export.render(document), export.name


def test_export_to_stdout_and_bad_targets(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(LOG), "-q", "--export", "findings.csv=-"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("id,severity,title")
    assert "BOOT-001" in result.stdout
    bad = CliRunner().invoke(cli, ["analyze", str(LOG), "--export", "pdf=x.pdf"])
    assert bad.exit_code == 2 and "unknown export format 'pdf'" in bad.output
    no_path = CliRunner().invoke(cli, ["analyze", str(LOG), "--export", "sarif"])
    assert no_path.exit_code == 2 and "FORMAT=PATH" in no_path.output
    missing = tmp_path / "no" / "such" / "dir" / "x.sarif"
    unwritable = CliRunner().invoke(
        cli, ["analyze", str(LOG), "-q", "--export", f"sarif={missing}"]
    )
    assert unwritable.exit_code == 2 and "cannot write" in unwritable.output
