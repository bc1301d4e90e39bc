"""Ranges of the raw log for the viewer, with the events the scanner recognises in them.

The viewer never loads a whole log: it asks for at most ``MAX_LINES`` lines at a time. Lines
are classified by running the engine's own scanner on the range, so the highlighting is
exactly what the analysis recognised (a pattern spanning lines at the range's edge may be
missed; the neighbouring range shows it).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from itertools import islice

from sqlalchemy.orm import Session

from app.analysis import model as m
from app.analysis.host.events import HostEvent
from app.analysis.scanner import Scanner
from app.db.blobs import iter_blob_lines
from app.db.models import Boot

MAX_LINES = 2000
DEFAULT_LINES = 400
MAX_LINE_CHARS = 4000
MAX_LINE_BYTES = MAX_LINE_CHARS * 4  # UTF-8: at most 4 bytes a character

_KINDS: tuple[tuple[tuple[type, ...], str], ...] = (
    (
        (
            m.BootFailure,
            m.CpuException,
            m.ExceptionRegisters,
            m.ExceptionImage,
            m.CcHandlerError,
            m.VmmError,
            m.VmmRegisterDump,
            m.KernelFault,
        ),
        "error",
    ),
    (
        (
            m.IoMmuMapRequest,
            m.IoMmuMapResult,
            m.IoMmuUnmap,
            m.IoMmuAllocateRequest,
            m.IoMmuAllocateResult,
            m.IoMmuFree,
            m.IoMmuSetAttribute,
            m.IoMmuExitBoot,
            m.PoolInit,
            m.PoolSlotTaken,
            m.PoolSlotFreed,
        ),
        "iommu",
    ),
    (
        (
            m.SetMemoryEncDec,
            m.PageStateChange,
            m.SetMemorySharedOrPrivate,
            m.SharedBitChange,
            m.PageSplit,
            m.TdAcceptMessage,
            m.MemoryAccepted,
            m.SevEnabled,
            m.SevEsGhcb,
            m.TdxStarted,
            m.TdxSharedBitMask,
        ),
        "encryption",
    ),
    ((m.PhaseMarker, m.BootOption, m.BootOptionAction, m.ExitBootServicesCallback), "phase"),
    ((m.KernelMessage, m.SwiotlbMapped), "kernel"),
    ((HostEvent,), "trace"),
)


@dataclass(frozen=True)
class KindStyle:
    kind: str
    label: str
    meaning: str


# The legend of the viewer, loudest first; the colours are ``.k-<kind>`` in static/app.css.
LEGEND: tuple[KindStyle, ...] = (
    KindStyle("error", "error", "ASSERT, CPU exception, #VC/#VE error, VMM or kernel fault"),
    KindStyle("phase", "phase", "SEC/PEI/DXE/BDS markers, boot options, ExitBootServices"),
    KindStyle("encryption", "encryption", "page-state and shared-bit changes, SEV/TDX set-up"),
    KindStyle("kernel", "kernel", "the guest kernel's console"),
    KindStyle("trace", "QEMU trace", "the host's trace events (kvm_convert_memory, ...)"),
    KindStyle("iommu", "IOMMU", "IoMmuDxe map, unmap, buffer and pool lines (kept quiet)"),
)


def event_kind(event: m.Event) -> str:
    """The highlight class of an event: one of ``LEGEND``'s kinds, or other."""
    for types, kind in _KINDS:
        if isinstance(event, types):
            return kind
    return "other"


@dataclass(frozen=True)
class LogLine:
    number: int
    text: str
    kind: str | None  # None: not recognised


@dataclass(frozen=True)
class LogRange:
    start: int
    end: int
    total: int
    lines: list[LogLine]


def clamp_range(start: int, count: int, total: int) -> tuple[int, int]:
    """``[start, end]`` inside ``1..total`` holding at most ``MAX_LINES`` lines."""
    total = max(total, 1)
    count = max(1, min(count, MAX_LINES))
    start = max(1, min(start, total))
    return start, min(total, start + count - 1)


def classify(raw: list[bytes], first_line: int) -> dict[int, str]:
    """``{line number: kind}`` for the recognised lines of a range starting at ``first_line``."""
    scanner = Scanner()
    kinds: dict[int, str] = {}
    for event in scanner.iter_events(io.BytesIO(b"".join(raw))):
        line = first_line + event.line - 1
        if kinds.get(line) in (None, "other"):
            kinds[line] = event_kind(event)
    return kinds


def read_range(session: Session, boot: Boot, *, start: int, count: int) -> LogRange:
    """Lines ``start``.. (at most ``count``) of the boot's log, decoded and classified."""
    first, last = clamp_range(start, count, boot.log_lines)
    stored = iter_blob_lines(session, boot.log_sha256, first, max_line_bytes=MAX_LINE_BYTES)
    raw = list(islice(stored, last - first + 1))
    kinds = classify(raw, first)
    lines = [
        LogLine(
            first + i,
            text.rstrip(b"\r\n").decode("utf-8", "replace")[:MAX_LINE_CHARS],
            kinds.get(first + i),
        )
        for i, text in enumerate(raw)
    ]
    return LogRange(first, first + len(lines) - 1, boot.log_lines, lines)


Segment = tuple[str, bool]  # (text, is a search hit)


def hit_segments(text: str, needle: str, *, ignore_case: bool) -> list[Segment] | None:
    """``text`` cut around each occurrence of ``needle`` (ASCII case folding, as the search
    does), or None when it holds none: the template marks the hits, still escaping all."""
    flags = re.ASCII | (re.IGNORECASE if ignore_case else 0)
    pattern = re.compile(re.escape(needle), flags)
    segments: list[Segment] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            segments.append((text[last : match.start()], False))
        segments.append((match.group(), True))
        last = match.end()
    if not segments:
        return None
    if last < len(text):
        segments.append((text[last:], False))
    return segments
