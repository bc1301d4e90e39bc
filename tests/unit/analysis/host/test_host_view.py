"""The host page map and the guest-against-host cross-check, on captures built line by line
(guest lines in the edk2 formats of ``app.synth.lines``, host lines in QEMU's trace formats)."""

from __future__ import annotations

import io

from app.analysis.document import ResultDocument
from app.analysis.host.document import HostSection
from app.analysis.report import analyze
from app.synth import lines

MIB = 0x100000
SEC = "SecCoreStartupWithStack(0xFFFCC000, 0x820000)"
EBS = lines.exit_boot()  # IoMmuExitBoot: the boot tracker's ExitBootServices


def convert(start: int, size: int, private: bool, at: float | None = None) -> str:
    prefix = "" if at is None else f"1234@{1764599400 + at:.6f}:"
    way = "shared_to_private" if private else "private_to_shared"
    return f"{prefix}kvm_convert_memory start 0x{start:x} size 0x{size:x} {way}"


def snp_update(gpa: int, size: int, page_type: str) -> str:
    return (
        f"kvm_sev_snp_launch_update src 0x7f0000000000 gpa 0x{gpa:x} len 0x{size:x}"
        f" ({page_type} page)"
    )


def run(text: str, host_trace: str | None = None) -> ResultDocument:
    trace = None if host_trace is None else io.BytesIO(host_trace.encode())
    return analyze(io.BytesIO(text.encode()), name="capture.log", host_trace=trace)


def host(document: ResultDocument) -> HostSection:
    assert document.host is not None
    return document.host


def ids(document: ResultDocument) -> list[str]:
    return sorted(f.id for f in document.findings if f.id.startswith("HOST-"))


SNP_CAPTURE = "\n".join(
    [
        "kvm_sev_snp_launch_start policy 0x30000 gosvw 00000000000000000000000000000000",
        snp_update(0xFFC00000, 4 * MIB, "Normal"),
        snp_update(0x80D000, 0x1000, "Secrets"),
        snp_update(0x80E000, 0x1000, "Cpuid"),
        "kvm_sev_snp_launch_finish id_block  id_auth  host_data ",
        SEC,
        lines.set_page_state("PlatformPei", 0x7F000000, 0x7F004000, True),
        convert(0x7F000000, 0x4000, False, at=1.0),
        lines.set_page_state("IoMmuDxe", 0x7E000000, 0x7E200000, True),
        convert(0x7E000000, 0x100000, False, at=1.5),
        convert(0x7E100000, 0x100000, False, at=1.6),  # the host did it in two halves
        lines.set_page_state("IoMmuDxe", 0x7E000000, 0x7E200000, False),
        convert(0x7E000000, 0x200000, True, at=2.25),
        EBS,
        "[    0.000000] Linux version 6.8.0 (builder@host) #1 SMP",
        convert(0x60000000, 64 * MIB, False, at=4.0),  # swiotlb: the kernel logs no conversion
        "",
    ]
)


def test_snp_capture_gives_launch_layout_conversions_and_timeline() -> None:
    document = run(SNP_CAPTURE)
    view = host(document)
    assert view.technology == "sev-snp" and view.interleaved
    assert [(r.page_type, r.measured) for r in view.launch] == [
        ("normal", True),
        ("secrets", False),
        ("cpuid", False),
    ]
    assert view.launch_pages == 1024 + 2 and view.measured_pages == 1024
    assert (view.to_shared, view.to_private) == (4, 1)
    assert view.pages_to_shared == 4 + 512 + 16384 and view.pages_to_private == 512
    assert view.shared_pages_at_handoff == 4
    assert view.shared_pages_at_end == 4 + 16384
    assert view.shared_pages_peak == 4 + 16384
    assert view.duration_seconds == 3.0  # 1.0 to 4.0 on the host's clock
    assert [(s.second, s.to_shared, s.to_private, s.shared_pages) for s in view.per_second] == [
        (0, 3, 0, 516),
        (1, 0, 1, 4),
        (2, 0, 0, 4),
        (3, 1, 0, 4 + 16384),
    ]
    phases = {p.phase: p for p in view.phases}
    assert phases["SEC"].to_shared == 3 and phases["SEC"].to_private == 1
    assert phases["kernel"].pages_to_shared == 16384
    largest = view.largest_shared[0]
    assert (largest.start, largest.size, largest.phase) == (0x60000000, 64 * MIB, "kernel")
    assert largest.until is None and largest.seconds_shared == 0.0
    bounce = [r for r in view.largest_shared if r.start == 0x7E000000]
    assert bounce and bounce[0].since == 0.5 and bounce[0].until == 1.25
    assert bounce[0].seconds_shared == 0.75
    assert view.cross_check is not None
    assert (view.cross_check.guest_conversions, view.cross_check.paired) == (3, 3)
    assert ids(document) == []  # the kernel's swiotlb conversion is after hand-off


def test_a_guest_conversion_the_host_never_saw_is_host_001() -> None:
    text = SNP_CAPTURE.replace(convert(0x7E000000, 0x200000, True, at=2.25) + "\n", "")
    document = run(text)
    assert ids(document) == ["HOST-001"]
    finding = next(f for f in document.findings if f.id == "HOST-001")
    assert finding.details["pages_unseen"] == 512 and finding.details["to_private"] is True


def test_a_host_conversion_during_firmware_without_a_guest_line_is_host_002() -> None:
    text = SNP_CAPTURE.replace(EBS, convert(0x7D000000, 0x1000, False, at=2.5) + "\n" + EBS)
    document = run(text)
    assert ids(document) == ["HOST-002"]
    assert host(document).cross_check is not None
    assert host(document).cross_check.host_unexplained == 1  # type: ignore[union-attr]


def test_a_shared_fault_on_launch_memory_is_host_004_private_faults_are_not() -> None:
    text = SNP_CAPTURE.replace(
        EBS,
        "kvm_memory_fault start 0x80d000 size 0x1000 flags 0x0\n"
        "kvm_memory_fault start 0x7f000000 size 0x1000 flags 0x8\n" + EBS,
    )
    document = run(text)
    assert ids(document) == ["HOST-004"]
    assert host(document).faults == 2 and host(document).private_faults == 1


def test_a_separate_host_trace_pairs_with_the_guest_log() -> None:
    guest = [line for line in SNP_CAPTURE.split("\n") if "kvm_" not in line]
    trace = [line for line in SNP_CAPTURE.split("\n") if "kvm_" in line]
    document = run("\n".join(guest) + "\n", host_trace="\n".join(trace) + "\n")
    view = host(document)
    assert not view.interleaved
    assert [p.phase for p in view.phases] == ["run"]  # the guest's phases are unknown
    assert view.cross_check is not None and view.cross_check.paired == 3
    assert ids(document) == []


def test_no_host_lines_no_host_section() -> None:
    document = run(SEC + "\n" + lines.set_page_state("IoMmuDxe", 0x1000, 0x2000, True) + "\n")
    assert document.host is None and "host" not in document.to_dict()


def test_the_host_section_survives_the_json_round_trip() -> None:
    document = run(SNP_CAPTURE)
    assert ResultDocument.from_dict(document.to_dict()) == document


def test_per_second_totals_stay_bounded_over_a_huge_clock_span() -> None:
    """Two conversions 1.7e9 s apart (a damaged clock, found by fuzzing) give at most
    MAX_SECOND_ROWS rows that still add up, not one row per second."""
    from app.analysis.host.view import MAX_SECOND_ROWS
    from app.analysis.report import analyze

    trace = (
        b"4242@0.000001:kvm_convert_memory start 0x80000000 size 0x1000 private_to_shared\n"
        b"4242@1764590401.5:kvm_convert_memory start 0x80001000 size 0x2000 private_to_shared\n"
    )
    host = analyze(io.BytesIO(trace), name="t.log").host
    assert host is not None
    rows = host.per_second
    assert 2 <= len(rows) <= MAX_SECOND_ROWS + 1
    assert sum(row.to_shared for row in rows) == 2
    assert sum(row.pages_to_shared for row in rows) == 3
    assert rows[-1].shared_pages == 3
