"""cross_check: the FW rules fire on a boot that disagrees with its firmware, and stay quiet
on one that agrees."""

from __future__ import annotations

from typing import Any

import pytest

from app.analysis.firmware import FirmwareReport, cross_check, read_firmware
from app.analysis.model import Finding
from app.analysis.rules.base import FindingCollector
from app.analysis.rules.firmware import RULES

from . import builders as b
from .conftest import debian_image


def _findings(report: FirmwareReport, platform: dict[str, Any]) -> list[Finding]:
    collector = FindingCollector(RULES)
    cross_check(report, platform, collector)
    return collector.findings()


@pytest.fixture(scope="module")
def code() -> FirmwareReport:
    return read_firmware(debian_image("OVMF_CODE.fd"), name="OVMF_CODE.fd")


@pytest.fixture(scope="module")
def code_4m() -> FirmwareReport:
    return read_firmware(debian_image("OVMF_CODE_4M.fd"), name="OVMF_CODE_4M.fd")


def test_rules_declared_with_stable_ids() -> None:
    ids = [rule.rule_id for rule in RULES]
    assert ids == [f"FW-{n:03d}" for n in range(1, len(RULES) + 1)]
    assert all(rule.title and rule.explanation and rule.advice for rule in RULES)


@pytest.mark.parametrize("kind", ["none", "sev", "sev-es", "sev-snp", "tdx", "unknown"])
def test_cross_check_matching_boot_is_quiet(code: FirmwareReport, kind: str) -> None:
    assert _findings(code, {"kind": kind}) == []


@pytest.mark.parametrize("kind", ["sev", "sev-es", "sev-snp"])
def test_fw001_sev_boot_with_ia32_image(code_4m: FirmwareReport, kind: str) -> None:
    [finding] = _findings(code_4m, {"kind": kind})
    assert finding.rule_id == "FW-001" and finding.key == kind
    assert finding.details["flavour"] == "OvmfPkgIa32X64 4M"


def test_fw001_snp_boot_without_asev() -> None:
    entries = [e for e in b.standard_entries() if b.SEV_META.bytes_le not in e]
    report = read_firmware(b.image(entries), name="no-asev")
    [finding] = _findings(report, {"kind": "sev-snp"})
    assert finding.rule_id == "FW-001"
    assert any("ASEV" in why for why in finding.details["why"])  # type: ignore[union-attr]
    assert _findings(report, {"kind": "sev-es"}) == []


def test_fw002_tdx_boot_without_tdvf(code_4m: FirmwareReport) -> None:
    found = _findings(code_4m, {"kind": "tdx", "evidence_line": 20})
    assert [(f.rule_id, f.lines) for f in found] == [("FW-002", (20,))]


def test_fw003_accepted_ranges_against_tdvf(code: FirmwareReport) -> None:
    platform = {
        "kind": "tdx",
        "accepted_ranges": [
            {"start": 0x0, "end": 0x800000, "line": 10},  # below MEMFD: fine
            {"start": 0x809000, "end": 0x80A000, "line": 11},  # TD_HOB again
            {"start": 0xFFE00000, "end": 0xFFE01000, "line": 12},  # CFV
        ],
        "unaccepted_ranges": [{"start": 0x810000, "end": 0x900000, "line": 13}],
    }
    found = {(f.key, f.lines) for f in _findings(code, platform)}
    assert found == {
        ("accepted again:TD_HOB@0x809000", (11,)),
        ("accepted again:CFV@0xffe00000", (12,)),
        ("unaccepted:TEMP_MEM@0x810000", (13,)),
    }


def test_fw003_skips_malformed_ranges(code: FirmwareReport) -> None:
    platform = {"kind": "tdx", "accepted_ranges": [{"start": "0x809000", "end": 1}, 5, None]}
    assert _findings(code, platform) == []


def test_fw004_ghcb_inside_prevalidated_range(code: FirmwareReport) -> None:
    platform = {"kind": "sev-snp", "ghcb": {"base": 0x80F000, "pages": 2, "line": 42}}
    [finding] = _findings(code, platform)
    assert finding.rule_id == "FW-004" and finding.lines == (42,)
    assert finding.key == "pre-validated SNP_SEC_MEM@0x80f000"


def test_fw004_ghcb_on_work_area_and_in_flash(code: FirmwareReport) -> None:
    work = _findings(code, {"kind": "sev-es", "ghcb": {"base": 0x80B000, "pages": 1, "line": 3}})
    assert [f.key for f in work] == ["SEV-ES work area@0x80b000"]
    flash = _findings(code, {"kind": "sev-es", "ghcb": {"base": 0xFFF00000, "pages": 2}})
    assert [(f.key, f.lines) for f in flash] == [("flash window@0xffe20000", ())]


def test_fw004_ghcb_in_ordinary_ram_is_quiet(code: FirmwareReport) -> None:
    platform = {"kind": "sev-snp", "ghcb": {"base": 0x7F000000, "pages": 8, "line": 9}}
    assert _findings(code, platform) == []


def test_fw005_image_with_errors() -> None:
    report = read_firmware(debian_image("OVMF_VARS.fd"), name="OVMF_VARS.fd")
    [finding] = _findings(report, {"kind": "none"})
    assert finding.rule_id == "FW-005"
    assert finding.details["codes"] == ["no-footer", "variable-store"]


def test_fw006_snp_hash_table_outside_asev() -> None:
    entries = b.standard_entries()
    entries[2] = b.entry(b.HASHES, b.u32(0x900C00, 0x400))
    report = read_firmware(b.image(entries), name="x")
    rule_ids = [f.rule_id for f in _findings(report, {"kind": "sev-snp"})]
    assert rule_ids == ["FW-006"]  # block-outside-metadata is a warning: no FW-005
    assert _findings(report, {"kind": "sev-es"}) == []


@pytest.mark.parametrize(
    ("log", "image", "expected"),
    [
        ("003", "OVMF_CODE.fd", []),
        ("003", "OVMF_CODE_4M.fd", [("FW-001", "sev-es")]),
        ("007", "OVMF_CODE.fd", []),
        ("007", "OVMF_CODE_4M.fd", [("FW-002", "tdx")]),
    ],
)
def test_cross_check_real_logs_through_analyze(
    log: str, image: str, expected: list[tuple[str, str]]
) -> None:
    """The real platform section of a real boot, checked against the Debian images."""
    from app.analysis.report import analyze
    from tests.unit.conftest import real_log

    report = read_firmware(debian_image(image), name=image)
    with real_log(log).open("rb") as stream:
        document = analyze(stream, name=log, firmware=report).to_dict()
    found = [(f["id"], f["key"]) for f in document["findings"] if f["id"].startswith("FW-")]
    assert found == expected
    assert document["firmware"]["identity"]["sha256"] == report.identity.sha256
