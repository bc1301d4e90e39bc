"""Checks shared by the ASEV and TDVF section lists: alignment, emptiness, overlap, range.

Both descriptors list guest-physical ranges; the same range mistakes matter for both (a VMM
rejects unaligned ranges, and overlapping ranges would be added or accepted twice).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.firmware.diagnostics import Diagnostic, make

PAGE = 0x1000
MAX_SECTIONS = 64  # edk2 emits at most 7; anything above this is a corrupt count


@dataclass(frozen=True, slots=True)
class Span:
    """A section reduced to what the range checks need."""

    label: str
    start: int
    size: int
    offset: int | None  # image offset of the descriptor entry

    @property
    def end(self) -> int:
        return self.start + self.size


def check_spans(spans: list[Span], *, limit: int, what: str) -> list[Diagnostic]:
    """Empty, unaligned, out-of-range and overlapping sections of one descriptor."""
    out: list[Diagnostic] = []
    for span in spans:
        where = f"{what} section {span.label} [{span.start:#x}, {span.end:#x})"
        if span.size == 0:
            out.append(make("section-empty", f"{where} has size zero", span.offset))
        if span.start % PAGE or span.size % PAGE:
            out.append(make("section-unaligned", f"{where} is not 4 KiB aligned", span.offset))
        if span.end > limit:
            out.append(
                make(
                    "section-outside-address-space",
                    f"{where} ends beyond {limit:#x}, the end of the address space it "
                    "can be placed in",
                    span.offset,
                )
            )
    out.extend(_overlaps(spans, what))
    return out


def _overlaps(spans: list[Span], what: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    ordered = sorted((s for s in spans if s.size), key=lambda s: (s.start, s.end))
    widest: Span | None = None
    for span in ordered:
        if widest is not None and span.start < widest.end:
            out.append(
                make(
                    "section-overlap",
                    f"{what} section {span.label} [{span.start:#x}, {span.end:#x}) overlaps "
                    f"{widest.label} [{widest.start:#x}, {widest.end:#x})",
                    span.offset,
                )
            )
        if widest is None or span.end > widest.end:
            widest = span
    return out


def count_to_read(
    claimed: int, room: int, entry_size: int, at: int, what: str, diags: list[Diagnostic]
) -> int:
    """How many descriptor entries can be read: the claimed count, bounded by the bytes left
    in the image (``room``) and ``MAX_SECTIONS``; says so when it had to cut."""
    fit = max(room, 0) // entry_size
    count = min(claimed, fit, MAX_SECTIONS)
    if count < claimed:
        diags.append(
            make(
                "metadata-length",
                f"{what} claims {claimed} sections; only {count} were read "
                f"({fit} fit in the image, at most {MAX_SECTIONS} are believed)",
                at,
            )
        )
    return count
