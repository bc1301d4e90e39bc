"""CLI output in CI logs: at 80 columns on a non-terminal stdout no value is cut; on a narrow
terminal tables fold instead of cutting; ``--format json``; env vars shown in ``--help``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console
from rich.table import Table

from app.analysis.report import analyze_file
from app.cli import cli
from app.cli.tables import print_table
from app.synth import get_demo, write_log

CVMREVIEW = str(Path(sys.executable).parent / "cvmreview")


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ci-output") / "sev-snp-driver-bugs.log"
    with path.open("wb") as out:
        write_log(get_demo("sev-snp-driver-bugs"), out)
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command with stdout a pipe (not a terminal) and 80 columns."""
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm-256color"}
    return subprocess.run([CVMREVIEW, *args], env=env, capture_output=True, text=True, timeout=120)


def test_analyze_at_80_columns_cuts_nothing(demo_log: Path) -> None:
    result = run("analyze", str(demo_log))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "…" not in out.replace("sha256", "").split("\n", 2)[2]  # only the sha is shortened
    document = analyze_file(demo_log)
    lines = out.splitlines()
    for device in document.devices:
        [row] = [line for line in lines if line.strip().startswith(f"{device.device}:")]
        for number in (device.bytes, device.bounce_bytes, device.peak_shared_pages):
            assert f"{number:,}" in row, (number, row)
    for finding in document.findings:
        assert any(finding.id in line and finding.title in line for line in lines), finding.id
    assert max(len(line) for line in lines) > 80  # rows are long on purpose: never wrapped


def device_table() -> Table:
    table = Table(title="DMA by device")
    for column in ("device", "bytes", "bounce bytes", "peak shared pages"):
        table.add_column(column)
    table.add_row("virtio-blk 00:03.0 with a long name", "5,023,508", "1,942,656", "37")
    return table


def test_narrow_terminal_gets_whole_values_as_lines() -> None:
    console = Console(force_terminal=True, width=40, record=True, color_system=None)
    print_table(device_table(), console)
    text = console.export_text()
    assert "…" not in text and "┃" not in text
    row = "virtio-blk 00:03.0 with a long name: bytes 5,023,508, bounce bytes 1,942,656"
    assert row in text, text


def test_wide_terminal_gets_the_table() -> None:
    console = Console(force_terminal=True, width=120, record=True, color_system=None)
    print_table(device_table(), console)
    text = console.export_text()
    assert "┃" in text and "virtio-blk 00:03.0 with a long name" in text and "5,023,508" in text


def test_format_json_prints_the_document(demo_log: Path) -> None:
    result = run("analyze", str(demo_log), "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["source"]["name"] == demo_log.name
    assert "DMA by device" in result.stderr  # the summary moves to stderr


@pytest.mark.parametrize("command", ["upload", "export"])
def test_help_shows_the_environment_variables(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=80)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "env var: CVMREVIEW_SERVER" in text and "env var: CVMREVIEW_TOKEN" in text
