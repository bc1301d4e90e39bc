"""Every real log bundled with the project, analysed end to end, with specific facts asserted.

The facts come from reading the logs (app/data/logs/INDEX.md has their provenance)."""

from __future__ import annotations

from typing import Any

import pytest

from app.analysis.report import analyze_file
from tests.unit.conftest import LOGS_DIR, real_log


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {path.name[:3]: analyze_file(path).to_dict() for path in sorted(LOGS_DIR.glob("*.log"))}


def finding_ids(document: dict[str, Any]) -> set[str]:
    return {finding["id"] for finding in document["findings"]}


def phase_names(document: dict[str, Any]) -> list[str]:
    return [phase["name"] for phase in document["phases"]]


def test_every_bundled_log_is_covered_here(documents: dict[str, dict[str, Any]]) -> None:
    assert set(documents) == {"003", "004", "005", "007", "008"}
    for document in documents.values():
        assert document["source"]["synthesized"] is False
        assert document["unrecognised_lines"] < document["source"]["lines"]


def test_003_sev_es_boot_with_reserved_pool_reaches_the_shell(
    documents: dict[str, dict[str, Any]],
) -> None:
    doc = documents["003"]
    platform = doc["platform"]
    assert platform["kind"] == "sev-es"
    assert platform["encryption_mask"] == "0x8000000000000"
    assert platform["ghcb"] == {"base": 0x3FF4C000, "pages": 4, "line": 83}
    assert platform["ghcb_backup"]["pages"] == 2
    assert platform["reserved_pool"] is True
    assert platform["sev_es_ap_memory"] == 0x3F76C000
    assert platform["cpus"] == {"boot": 2, "max": 2}
    assert phase_names(doc) == ["SEC", "PEI", "DXE", "BDS"]
    assert doc["boot"]["outcome"] == "booted"
    assert doc["boot"]["boot_options"][-1]["description"] == "EFI Internal Shell"
    assert doc["events"]["driver-loaded"] == 103
    assert doc["source"]["lines"] == 1811
    assert "BOOT-003" in finding_ids(doc)  # logging cost is reported for a CVM
    assert not {"BOOT-001", "BOOT-002"} & finding_ids(doc)


def test_004_sev_boot_fails_in_pei_with_an_assert(documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["004"]
    assert doc["boot"]["outcome"] == "failed"
    assert doc["boot"]["reached_phase"] == "PEI"
    assert doc["boot"]["failure"]["line"] == 75
    assert "PlatformInitLib/Platform.c(930)" in doc["boot"]["failure"]["text"]
    failed = [f for f in doc["findings"] if f["id"] == "BOOT-001"]
    assert len(failed) == 1 and failed[0]["lines"] == [75] and failed[0]["severity"] == "critical"
    assert doc["platform"]["kind"] == "unknown"  # the SEV line is printed later than PEI's end
    assert doc["verdict"]["worst_severity"] == "critical"


def test_005_plain_vm_boots_the_hard_disk(documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["005"]
    assert doc["platform"]["kind"] == "none"
    assert doc["platform"]["encryption_mask"] is None
    assert phase_names(doc) == ["SEC", "PEI", "DXE", "BDS"]
    assert doc["boot"]["boot_options"][-1]["description"] == "UEFI QEMU HARDDISK QM00005"
    assert doc["events"]["driver-loaded"] == 111
    assert "BOOT-003" not in finding_ids(doc)


def test_007_tdx_excerpt_with_accepted_and_unaccepted_memory(
    documents: dict[str, dict[str, Any]],
) -> None:
    doc = documents["007"]
    platform = doc["platform"]
    assert platform["kind"] == "tdx"
    assert platform["gpaw"] == 52
    assert platform["encryption_mask"] == "0x8000000000000"
    assert platform["cpus"] == {"boot": 8, "max": 8}
    accepted = [(r["start"], r["end"]) for r in platform["accepted_ranges"]]
    assert accepted == [(0x806000, 0x809000), (0x80D000, 0x810000), (0x820000, 0x80000000)]
    assert (0x100000000, 0x280000000) in [
        (r["start"], r["end"]) for r in platform["unaccepted_ranges"]
    ]
    assert doc["boot"]["outcome"] == "truncated"  # an excerpt: it stops in DXE
    assert "BOOT-002" in finding_ids(doc)


def test_008_debian_plain_boot_tries_the_network(documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["008"]
    assert doc["platform"]["kind"] == "none"
    assert doc["platform"]["fw_cfg_dma"] is True
    options = [o["description"] for o in doc["boot"]["boot_options"]]
    assert options[0].startswith("UEFI QEMU DVD-ROM") and options[-1].startswith("UEFI PXEv6")
    assert doc["events"]["virtio-driver"] >= 1


def test_line_numbers_in_findings_point_at_the_right_text() -> None:
    path = real_log("004")
    doc = analyze_file(path).to_dict()
    line = doc["boot"]["failure"]["line"]
    text = path.read_bytes().split(b"\n")[line - 1]
    assert text.startswith(b"ASSERT ")
