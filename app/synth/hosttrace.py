"""The host trace a synthesized boot's conversions would cause, woven into its log.

QEMU logs each conversion of an SNP or TDX guest (``kvm_convert_memory``, the log backend with
``-msg timestamp=on``'s ``PID@SECONDS.MICROS:`` prefix) wherever the trace and the debug console
share a capture. ``write_capture`` writes the guest log (``write_log``) and then weaves in:
the launch layout first (SNP launch updates of OVMF's flash and its ASEV sections, or TDX's
init-memory regions of TDVF), one host conversion right after each guest page-state line the
synthesizer wrote (SNP ``InternalSetPageState``, TDX ``SetMemorySharedOrPrivate``), and after
the log the kernel's swiotlb conversion (64 MiB shared at boot) and a few bounce-buffer round
trips. The clock is the line number: 0.5 ms per line from a fixed epoch.

The guest's ground truth is moved to the capture's line numbers (the JSON Lines truth stream
is not written for these workloads). The host's ground truth (``HostTruth``) is computed
here, from what was written, with a page set of its own: conversions by direction, shared
pages at hand-off (``IoMmuExitBoot``) and at the end, and the findings each injected
disagreement must cause (also listed as ground-truth faults).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from app.synth.truth import FaultRecord, GroundTruth
from app.synth.workload import HostTraceSpec, Workload

PAGE = 0x1000
PID = 4242
EPOCH = 1764590400.0
SECONDS_PER_LINE = 0.0005
SWIOTLB = (0x7C000000, 64 << 20)
KERNEL_BOUNCES = 8
EXTRA_RANGE = (0x7B000000, 0x4000)
# The launch layouts follow the sections of Debian bookworm's OVMF_CODE.fd (package ovmf,
# 2022.11-6+deb12u2: its ASEV and TDVF metadata, read by ``app.analysis.firmware``), so a
# synthesized capture analysed with ``--firmware /usr/share/OVMF/OVMF_CODE.fd`` agrees.
SNP_LAUNCH = (  # (gpa, size, QEMU page type): the flash, then the ASEV sections
    (0xFFE00000, 0x200000, "Normal"),
    (0x800000, 0x9000, "Zero"),
    (0x80A000, 0x3000, "Zero"),
    (0x80D000, 0x1000, "Secrets"),
    (0x80E000, 0x1000, "Cpuid"),
    (0x80F000, 0x11000, "Zero"),
    (0xFFFFF000, 0x1000, "Vmsa"),
)
TDX_LAUNCH = (  # (TDVF section type, attributes, gfn, pages): BFV, CFV, temp memory, TD HOB
    (0, 1, 0xFFE20, 0x1E0),
    (1, 0, 0xFFE00, 0x20),
    (3, 0, 0x810, 0x10),
    (3, 0, 0x80B, 0x2),
    (2, 0, 0x809, 0x2),
    (3, 0, 0x800, 0x6),
)
_GUEST = re.compile(
    r"^\w+:(?:InternalSetPageState Address 0x([0-9A-F]+) - 0x([0-9A-F]+) State = (Shared|Private)"
    r"|SetMemorySharedOrPrivate: Cr3Base=0x[0-9A-F]+ Physical=0x([0-9A-F]+) Length=0x([0-9A-F]+)"
    r" Mode=(Shared|Private))"
)
_HANDOFF = "IoMmuExitBoot"


@dataclass
class HostTruth:
    """What the woven host trace holds, for the engine-vs-truth tests."""

    guest_conversions: int = 0
    to_shared: int = 0
    to_private: int = 0
    launch_ranges: int = 0
    shared_pages_at_handoff: int | None = None
    shared_pages_at_end: int = 0
    expected_findings: list[tuple[str, int]] = field(default_factory=list)  # (rule, line)

    def to_dict(self) -> dict[str, Any]:
        return {
            "guest_conversions": self.guest_conversions,
            "to_shared": self.to_shared,
            "to_private": self.to_private,
            "launch_ranges": self.launch_ranges,
            "shared_pages_at_handoff": self.shared_pages_at_handoff,
            "shared_pages_at_end": self.shared_pages_at_end,
            "expected_findings": [list(f) for f in self.expected_findings],
        }


class _Weaver:
    def __init__(self, platform: str, spec: HostTraceSpec, out: BinaryIO) -> None:
        self.platform, self.spec, self.out = platform, spec, out
        self.truth = HostTruth()
        self.shared: set[int] = set()
        self.line = 0
        self.bytes = 0

    def emit(self, text: str) -> int:
        data = text.encode("latin-1") + b"\r\n"
        self.out.write(data)
        self.line += 1
        self.bytes += len(data)
        return self.line

    def host(self, event: str) -> int:
        seconds = EPOCH + self.line * SECONDS_PER_LINE
        return self.emit(f"{PID}@{seconds:.6f}:{event}")

    def convert(self, start: int, size: int, shared: bool) -> int:
        way = "private_to_shared" if shared else "shared_to_private"
        line = self.host(f"kvm_convert_memory start 0x{start:x} size 0x{size:x} {way}")
        pages = range(start // PAGE, (start + size) // PAGE)
        if shared:
            self.truth.to_shared += 1
            self.shared.update(pages)
        else:
            self.truth.to_private += 1
            self.shared.difference_update(pages)
        return line

    def launch(self) -> None:
        if self.platform == "sev-snp":
            self.host(
                "kvm_sev_snp_launch_start policy 0x30000 gosvw 00000000000000000000000000000000"
            )
            for gpa, size, page_type in SNP_LAUNCH:
                self.host(
                    f"kvm_sev_snp_launch_update src 0x7f3a00000000 gpa 0x{gpa:x} len 0x{size:x}"
                    f" ({page_type} page)"
                )
            self.host("kvm_sev_snp_launch_finish id_block  id_auth  host_data ")
            self.truth.launch_ranges = len(SNP_LAUNCH)
            return
        for kind, attributes, gfn, pages in TDX_LAUNCH:
            self.host(
                f"kvm_tdx_init_mem_region type=0x{kind:x} attributes=0x{attributes:x}"
                f" source=0x7fea34200000 gfn=0x{gfn:x} nr_pages=0x{pages:x}"
            )
        self.truth.launch_ranges = len(TDX_LAUNCH)

    def guest_line(self, text: str) -> int:
        """Copy one guest line (its new line number is returned); add the host's conversion
        when it is a page-state change."""
        line = self.emit(text)
        if text == _HANDOFF and self.truth.shared_pages_at_handoff is None:
            self.truth.shared_pages_at_handoff = len(self.shared)
        match = _GUEST.match(text)
        if match is None:
            return line
        if match[1] is not None:
            start, end = int(match[1], 16), int(match[2], 16)
            shared = match[3] == "Shared"
        else:
            start = int(match[4], 16)
            end = start + int(match[5], 16)
            shared = match[6] == "Shared"
        index = self.truth.guest_conversions
        self.truth.guest_conversions += 1
        here = index == self.spec.at
        if here and "missed" in self.spec.disagreements:
            self.truth.expected_findings.append(("HOST-001", line))
        else:
            self.convert(start, end - start, shared)
        if here and "extra" in self.spec.disagreements:
            extra = self.convert(*EXTRA_RANGE, shared=True)
            self.truth.expected_findings.append(("HOST-002", extra))
        return line

    def kernel(self) -> None:
        """After hand-off: swiotlb shared at boot, then bounce buffers that come and go."""
        self.convert(*SWIOTLB, shared=True)
        for index in range(KERNEL_BOUNCES):
            start = 0x7A000000 + index * 0x10000
            self.convert(start, 0x2000, shared=True)
            self.convert(start, 0x2000, shared=False)


def _move_lines(truth: GroundTruth, moved: list[int]) -> None:
    """The guest's ground truth names guest-log lines; point it at the capture's lines."""

    def at(line: int | None) -> int | None:
        return None if line is None else moved[line]

    for m in truth.mappings:
        m.request_line, m.result_line = moved[m.request_line], moved[m.result_line]
        m.unmap_line = at(m.unmap_line)
    for a in truth.allocations:
        a.allocate_line, a.result_line = moved[a.allocate_line], moved[a.result_line]
        a.free_line = at(a.free_line)
    for f in truth.faults:
        f.lines = [moved[line] for line in f.lines]


def write_capture(workload: Workload, out: BinaryIO) -> tuple[GroundTruth, HostTruth]:
    """Write ``workload``'s log with its host trace woven in; its ground truth and the host's."""
    spec = workload.host or HostTraceSpec()
    from app.synth.writer import write_log

    guest = io.BytesIO()
    truth = write_log(replace(workload, host=None), guest)
    truth.workload["host"] = spec.to_dict()
    weaver = _Weaver(workload.platform, spec, out)
    rows = guest.getvalue().decode("latin-1").split("\r\n")
    if rows and rows[-1] == "":
        rows.pop()
    moved = [0, weaver.emit(rows[0])]  # guest line -> capture line; the header stays first
    weaver.launch()
    for text in rows[1:]:
        moved.append(weaver.guest_line(text))
    if weaver.truth.shared_pages_at_handoff is not None:
        weaver.kernel()
    weaver.truth.shared_pages_at_end = len(weaver.shared)
    _move_lines(truth, moved)
    for rule, line in weaver.truth.expected_findings:
        kind = "host-missed-conversion" if rule == "HOST-001" else "host-extra-conversion"
        truth.faults.append(FaultRecord(kind, rule, [line]))
    truth.total_lines = weaver.line
    truth.total_bytes = weaver.bytes
    truth.host = weaver.truth.to_dict()
    return truth, weaver.truth
