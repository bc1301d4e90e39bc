"""A boot analysed together with the firmware that ran it (Debian's OVMF_CODE.fd, installed by
``make test`` from the ``ovmf`` package): the page map is seeded with the ranges of the boot's
own platform, the result carries the firmware section, and mismatches become findings."""

from __future__ import annotations

import io
from pathlib import Path

from app.analysis.firmware import load_firmware
from app.analysis.report import analyze, analyze_file
from app.synth import demo_workloads, write_log
from tests.unit.conftest import real_log

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE.fd")
OVMF_4M = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")


def synthesized(name: str) -> io.BytesIO:
    workload = next(w for w in demo_workloads() if w.name == name)
    buffer = io.BytesIO()
    write_log(workload, buffer)
    buffer.seek(0)
    return buffer


def labels_at_handoff(document: dict[str, object]) -> set[str]:
    ranges = document["address_space"]["handoff"]["ranges"]  # type: ignore[index]
    return {label for r in ranges for label in r["labels"]}


def test_snp_boot_is_seeded_with_the_snp_sections_only() -> None:
    firmware = load_firmware(OVMF_CODE.read_bytes(), name=OVMF_CODE.name)
    document = analyze(
        synthesized("sev-snp-pool-virtio-blk"), name="snp.log", firmware=firmware
    ).to_dict()
    labels = labels_at_handoff(document)
    assert {"SNP_SEC_MEM", "SNP_SECRETS", "CPUID"} <= labels
    assert not {"TD_HOB", "TEMP_MEM", "BFV"} & labels
    assert document["firmware"]["identity"]["sha256"].startswith("d9b568de")  # type: ignore[index]
    assert not {f["id"] for f in document["findings"]} & {"FW-001", "FW-002"}  # type: ignore[union-attr]


def test_tdx_boot_is_seeded_with_the_tdvf_sections() -> None:
    firmware = load_firmware(OVMF_CODE.read_bytes(), name=OVMF_CODE.name)
    document = analyze(
        synthesized("tdx-pool-duplicate-slot-bug"), name="tdx.log", firmware=firmware
    ).to_dict()
    labels = labels_at_handoff(document)
    assert "TD_HOB" in labels and "SNP_SEC_MEM" not in labels


def test_sev_es_boot_with_an_image_that_cannot_start_it_is_a_finding() -> None:
    document = analyze_file(real_log("003"), firmware_path=OVMF_4M).to_dict()
    fw = [f for f in document["findings"] if f["id"] == "FW-001"]
    assert fw and fw[0]["severity"] == "high"
    assert document["firmware"]["source"] == "image"
