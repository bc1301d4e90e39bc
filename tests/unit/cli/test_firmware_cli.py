"""``cvmreview firmware``: tables, comparison, --json, and exit 2 with one line on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from tests.unit.analysis.firmware import builders as b
from tests.unit.analysis.firmware.conftest import OVMF_DIR, debian_image


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def code_fd(tmp_path: Path) -> Path:
    path = tmp_path / "OVMF_CODE.fd"
    path.write_bytes(debian_image("OVMF_CODE.fd"))
    return path


def _run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, ["firmware", *args], env={"COLUMNS": "200"})


def test_firmware_prints_tables(runner: CliRunner, code_fd: Path) -> None:
    result = _run(runner, str(code_fd))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "d9b568def24088c92f34b5479e0ed7e44d0a4d4cea8a0f5716719180bba48106" in out
    assert "Footer table: 136 bytes" in out
    assert "IP 0xb004, CS base 0x800000" in out
    assert "ASEV descriptor at 0x52c from the end" in out
    assert "SEV metadata (ASEV): version 1, length 76, 5 sections" in out
    assert "TDX metadata (TDVF): version 1, length 208, 6 sections" in out
    assert "0xffe20000" in out and "0x1 MR_EXTEND" in out
    assert "sev, sev-es, sev-snp, tdx" in out
    assert "No diagnostics" in out


def test_firmware_json_to_stdout_is_the_document(runner: CliRunner, code_fd: Path) -> None:
    result = _run(runner, str(code_fd), "--json", "-")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["schema"] == "cvmreview-firmware-metadata"
    assert [s["type_name"] for s in document["tdx_metadata"]["sections"]] == [
        "BFV",
        "CFV",
        "TEMP_MEM",
        "TEMP_MEM",
        "TD_HOB",
        "TEMP_MEM",
    ]


def test_firmware_json_file_loads_back_as_input(
    runner: CliRunner, code_fd: Path, tmp_path: Path
) -> None:
    meta = tmp_path / "meta.json"
    assert _run(runner, str(code_fd), "--json", str(meta)).exit_code == 0
    again = _run(runner, str(meta))
    assert again.exit_code == 0, again.output
    assert "metadata-json" in again.output and "SNP_SECRETS" in again.output
    compared = _run(runner, str(meta), str(code_fd))
    assert compared.exit_code == 0
    assert "identical metadata and hashes" in compared.output


def test_firmware_compares_two_images(runner: CliRunner, code_fd: Path, tmp_path: Path) -> None:
    other = tmp_path / "OVMF_CODE_4M.fd"
    other.write_bytes(debian_image("OVMF_CODE_4M.fd"))
    result = _run(runner, str(code_fd), str(other), "--json", str(tmp_path / "cmp.json"))
    assert result.exit_code == 0, result.output
    assert "Firmware comparison: OVMF_CODE.fd -> OVMF_CODE_4M.fd" in result.output
    assert "SEV metadata offset" in result.output and "removed" in result.output
    document = json.loads((tmp_path / "cmp.json").read_text())
    assert set(document) == {"a", "b", "comparison"}
    assert document["comparison"]["identical"] is False


def test_firmware_variable_store_prints_diagnostics_and_exits_2(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "OVMF_VARS.fd"
    path.write_bytes(debian_image("OVMF_VARS.fd"))
    result = _run(runner, str(path))
    assert result.exit_code == 2
    assert "no-footer" in result.stdout and "variable-store" in result.stdout
    last = result.stderr.strip().splitlines()
    assert len(last) == 1 and last[0].startswith("error: OVMF_VARS.fd: this is a UEFI variable")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp / "missing.fd", "no such file"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: _write(tmp / "empty.fd", b""), "the file is empty"),
        (lambda tmp: _write(tmp / "x.json", b'{"schema": 1}'), "not a cvmreview firmware"),
        (lambda tmp: _write(tmp / "junk.bin", bytes(range(256)) * 512), "not an OVMF"),
    ],
)
def test_firmware_unusable_input_exits_2_with_one_line(
    runner: CliRunner,
    tmp_path: Path,
    make,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    result = _run(runner, str(make(tmp_path)))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0]


def test_firmware_diagnostics_of_broken_image_exit_0(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.fd", b.image([b.entry(b.RESET, b.u32(1)), *b.standard_entries()]))
    result = _run(runner, str(path))
    assert result.exit_code == 0
    assert "duplicate-guid" in result.output and "error" in result.output


def test_firmware_three_images_is_a_usage_error(runner: CliRunner, code_fd: Path) -> None:
    result = _run(runner, str(code_fd), str(code_fd), str(code_fd))
    assert result.exit_code == 2 and "one IMAGE to read, or two" in result.output


def test_firmware_needs_an_image(runner: CliRunner) -> None:
    assert _run(runner).exit_code == 2


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_installed_images_directory_exists() -> None:
    assert OVMF_DIR.is_dir(), "the project's setup installs Debian's ovmf package"
