"""``cvmreview analyze`` as a CI job would call it: summary, JSON, exit codes, bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from tests.unit.conftest import real_log


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["analyze", *args])
    return result.exit_code, result.stdout, result.stderr


def test_summary_names_platform_outcome_and_findings() -> None:
    code, out, _ = run(str(real_log("003")))
    assert code == 0
    assert "platform sev-es" in out
    assert "mask 0x8000000000000" in out
    assert "4 GHCB pages at 0x3ff4c000" in out
    assert "BOOT-003" in out
    assert "verdict: worst severity info" in out


def test_json_to_a_file_is_the_result_document(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    code, _, _ = run(str(real_log("005")), "--json", str(target), "--quiet")
    assert code == 0
    document = json.loads(target.read_text())
    assert document["schema_version"] == 5
    assert document["platform"]["kind"] == "none"
    assert document["source"]["name"] == real_log("005").name


def test_json_to_stdout_is_parseable_alone() -> None:
    code, out, _ = run(str(real_log("004")), "--json", "-", "--quiet")
    assert code == 0
    assert json.loads(out)["boot"]["outcome"] == "failed"


def test_fail_on_sets_the_exit_status_by_severity() -> None:
    assert run(str(real_log("004")), "--fail-on", "high", "-q")[0] == 1  # critical ASSERT
    assert run(str(real_log("003")), "--fail-on", "high", "-q")[0] == 0  # only info findings
    assert run(str(real_log("003")), "--fail-on", "info", "-q")[0] == 1


def test_gzip_log_is_analysed_like_the_plain_one(tmp_path: Path) -> None:
    packed = tmp_path / "boot.log.gz"
    packed.write_bytes(gzip.compress(real_log("007").read_bytes()))
    code, out, _ = run(str(packed), "--json", "-", "-q")
    assert code == 0
    assert json.loads(out)["platform"]["kind"] == "tdx"


def test_missing_file_is_a_clear_error_with_status_2(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path / "nope.log"))
    assert code == 2
    assert "no such file" in err and "Traceback" not in err + out


def test_corrupt_gzip_and_empty_log_exit_2(tmp_path: Path) -> None:
    corrupt = tmp_path / "bad.gz"
    corrupt.write_bytes(gzip.compress(b"IoMmuExitBoot\n" * 5000)[:100])
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    for path, message in ((corrupt, "gzip"), (empty, "empty")):
        code, out, err = run(str(path))
        assert code == 2, (path, out, err)
        assert message in err and "Traceback" not in err


def test_unknown_severity_is_a_usage_error() -> None:
    code, _, err = run(str(real_log("003")), "--fail-on", "urgent")
    assert code == 2 and "unknown severity" in err


def test_installed_console_script_runs() -> None:
    script = Path(sys.executable).parent / "cvmreview"
    result = subprocess.run(
        [str(script), "analyze", str(real_log("004")), "-q", "--fail-on", "critical"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr


def test_a_firmware_image_given_as_the_log_exits_2_with_one_line() -> None:
    code, out, err = run("/usr/share/OVMF/OVMF_CODE_4M.fd")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "firmware volume" in err and "not a log" in err


def test_text_with_no_log_line_exits_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nabout the boot\n")
    code, _, err = run(str(notes))
    assert code == 2 and "not a log" in err


def test_a_variable_store_as_firmware_exits_2_like_the_firmware_command() -> None:
    code, _, err = run(str(real_log("005")), "--firmware", "/usr/share/OVMF/OVMF_VARS_4M.fd")
    assert code == 2 and "variable store" in err and err.count("\n") == 1
    assert CliRunner().invoke(cli, ["firmware", "/usr/share/OVMF/OVMF_VARS_4M.fd"]).exit_code == 2


def test_one_line_per_boot_cycle_and_the_crash_site() -> None:
    code, out, _ = run(str(real_log("105")))
    assert code == 0
    assert "2 boot cycles" in out
    assert "cycle 0: lines 1-2950, platform none, outcome booted" in out
    assert "cycle 1: lines 2951-5898, platform none, outcome booted" in out
    code, out, _ = run(str(real_log("127")), "--fail-on", "high")
    assert code == 1  # a VM that died is not "truncated"
    assert "failure vmm-error on line 2: kvm run failed Invalid argument (RIP 0xfff0)" in out
