"""HOST-003: the launch layout in the host trace against the firmware image's own sections
(Debian's OVMF_CODE.fd, which carries both ASEV and TDVF metadata)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.analysis.document import Finding
from app.analysis.firmware import FirmwareReport, load_firmware
from app.analysis.report import analyze
from app.synth import get_demo, write_log

OVMF = Path("/usr/share/OVMF/OVMF_CODE.fd")
SNP_TYPES = {1: "Zero", 2: "Secrets", 3: "Cpuid"}


@pytest.fixture(scope="module")
def firmware() -> FirmwareReport:
    return load_firmware(OVMF.read_bytes(), name=OVMF.name)


def snp_lines(firmware: FirmwareReport) -> list[str]:
    assert firmware.sev is not None
    return [
        f"kvm_sev_snp_launch_update src 0x7f0000000000 gpa 0x{s.base:x} len 0x{s.size:x}"
        f" ({SNP_TYPES[s.type]} page)"
        for s in firmware.sev.sections
    ]


def tdx_lines(firmware: FirmwareReport) -> list[str]:
    assert firmware.tdx is not None
    return [
        f"kvm_tdx_init_mem_region type=0x{s.type:x} attributes=0x{s.attributes:x}"
        f" source=0x7f0000000000 gfn=0x{s.memory_address // 4096:x}"
        f" nr_pages=0x{s.memory_size // 4096:x}"
        for s in firmware.tdx.sections
    ]


def host_findings(rows: list[str], firmware: FirmwareReport) -> list[Finding]:
    document = analyze(io.BytesIO(("\n".join(rows) + "\n").encode()), name="c", firmware=firmware)
    return [f for f in document.findings if f.id == "HOST-003"]


def test_a_launch_that_matches_the_asev_sections_is_clean(firmware: FirmwareReport) -> None:
    assert host_findings(snp_lines(firmware), firmware) == []


def test_missing_and_mistyped_snp_sections_are_host_003(firmware: FirmwareReport) -> None:
    rows = snp_lines(firmware)
    rows = [r for r in rows if "0x80e000" not in r]  # the CPUID page never added
    rows = [r.replace("(Secrets page)", "(Normal page)") for r in rows]
    problems = sorted(f.details["problem"] for f in host_findings(rows, firmware))
    assert problems == ["added as ['normal'], expected secrets", "not added at launch"]


def test_tdvf_sections_with_the_wrong_measurement_are_host_003(firmware: FirmwareReport) -> None:
    assert host_findings(tdx_lines(firmware), firmware) == []
    rows = [
        r.replace("type=0x0 attributes=0x1", "type=0x0 attributes=0x0") for r in tdx_lines(firmware)
    ]
    (finding,) = host_findings(rows, firmware)
    assert finding.details["section"] == "TDVF bfv"
    assert "not measured" in str(finding.details["problem"])


@pytest.mark.parametrize("name", ["sev-snp-host-trace", "tdx-host-trace"])
def test_synthesized_launch_layouts_agree_with_debian_ovmf(
    name: str, firmware: FirmwareReport
) -> None:
    workload = get_demo(name)
    assert workload is not None
    buffer = io.BytesIO()
    write_log(workload, buffer)
    document = analyze(io.BytesIO(buffer.getvalue()), name=name, firmware=firmware)
    assert [f.id for f in document.findings if f.id.startswith("HOST-")] == []
