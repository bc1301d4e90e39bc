"""Guest against host: every conversion the firmware logged paired with the host's conversion
of the same range, in order, plus the launch layout against the firmware's own metadata.

Which guest lines count: TDX ``SetMemorySharedOrPrivate``; SNP ``InternalSetPageState`` (the
page-state change itself); ``SetMemoryEncDec`` only when no ``InternalSetPageState`` line was
logged (it prints the same conversion one level up) and never for MMIO, which is not guest
memory. IoMmu bounce buffers reach the host through those same calls, so they are covered by
them. A guest conversion is paired with the host conversions of the same direction that
overlap it, taken first to last; any page of it left uncovered is a conversion the host never
saw (HOST-001). Host conversions no guest line explains are reported only in firmware phases
(HOST-002): after hand-off the kernel converts without logging. With a separately uploaded
trace the phases are unknown, so only host conversions before the last paired one count.
Only the first ``MAX_GUEST_CONVERSIONS`` guest conversions are kept (they are kept before any
host line is seen, so this bounds the memory of any log); the cross-check says how many it did
not check, and in a capture reports no HOST-002 past the first one it did not keep.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from app.analysis.firmware import FirmwareReport
from app.analysis.firmware.sev_metadata import SevSectionType
from app.analysis.firmware.tdx_metadata import QEMU_TYPES, TdxAttribute
from app.analysis.formats.qemu_trace import TDVF_SECTION_NAMES
from app.analysis.host import document as hd
from app.analysis.host.events import HostLaunchUpdate, HostMemoryFault
from app.analysis.model import (
    PAGE_SIZE,
    Event,
    PageStateChange,
    SetMemoryEncDec,
    SetMemorySharedOrPrivate,
)
from app.analysis.rules.base import FindingCollector

SAMPLED_PAGES = 4096
MAX_GUEST_CONVERSIONS = 200_000  # guest conversions kept for the cross-check; later ones counted
FIRMWARE_PHASES = frozenset({"launch", "SEC", "PEI", "DXE", "BDS"})
SNP_SECTION_PAGE_TYPES = {
    SevSectionType.SNP_SEC_MEM: "zero",
    SevSectionType.SNP_SECRETS: "secrets",
    SevSectionType.CPUID: "cpuid",
    SevSectionType.SVSM_CAA: "zero",
}
"""The page type QEMU's sev.c gives each ASEV section type in its launch update (the kernel
hashes page is checked for presence only: its type depends on ``kernel-hashes``)."""
_SEV_TYPES = frozenset(int(t) for t in SevSectionType)


@dataclass(frozen=True, slots=True)
class GuestConversion:
    line: int
    start: int
    end: int
    to_private: bool
    module: str
    kind: str  # "encdec" | "page-state" | "tdx"
    phase: str


KINDS = ("encdec", "page-state", "tdx")
_ENCDEC, _PAGE_STATE, _TDX = range(3)
_WIDEST = (1 << 64) - 1


class GuestConversions:
    """The guest's conversions as the log streams by, kept for the cross-check.

    Kept whether or not a host line has been seen (a capture's first host line may come after
    guest conversions), so compact: a few dozen bytes each in arrays, module and phase names
    interned; and at most ``limit`` (``MAX_GUEST_CONVERSIONS``) of them, so the memory stays
    bounded whatever the log. Past the limit only counts are kept, per kind, and the
    cross-check says how many conversions it did not cover."""

    def __init__(self, limit: int = MAX_GUEST_CONVERSIONS) -> None:
        self.limit = limit
        self._line = array("q")
        self._start = array("Q")
        self._end = array("Q")
        self._flags = array("B")  # bit 0: to private; the kind above it
        self._module = array("I")
        self._phase = array("I")
        self._wide: dict[int, tuple[int, int]] = {}  # ranges past 64 bits (damaged lines)
        self._names: list[str] = []
        self._name_index: dict[str, int] = {}
        self._dropped = [0, 0, 0]  # conversions past the limit, by kind
        self._page_state = False  # an ``InternalSetPageState`` line seen, kept or not
        self.first_dropped_line: int | None = None

    def add(self, event: Event, phase: str) -> None:
        """Keep the conversion a firmware line logs (none for MMIO or zero length)."""
        if isinstance(event, PageStateChange):
            start, end, private, kind = event.start, event.end, not event.shared, _PAGE_STATE
        elif isinstance(event, SetMemorySharedOrPrivate):
            start, end = event.physical, event.physical + event.length
            private, kind = not event.shared, _TDX
        elif isinstance(event, SetMemoryEncDec):
            if event.mmio:
                return
            start, end = event.physical, event.physical + event.length
            private, kind = event.encrypt, _ENCDEC
        else:
            return
        start -= start % PAGE_SIZE
        end += -end % PAGE_SIZE
        if end <= start:
            return
        self._page_state = self._page_state or kind == _PAGE_STATE
        if len(self._line) >= self.limit:
            self._dropped[kind] += 1
            if self.first_dropped_line is None:
                self.first_dropped_line = event.line
            return
        if start < 0 or end > _WIDEST:
            self._wide[len(self._line)] = (start, end)
            start = end = 0
        self._line.append(event.line)
        self._start.append(start)
        self._end.append(end)
        self._flags.append(kind << 1 | private)
        self._module.append(self._intern(event.module))
        self._phase.append(self._intern(phase))

    def _intern(self, name: str) -> int:
        index = self._name_index.get(name)
        if index is None:
            index = self._name_index[name] = len(self._names)
            self._names.append(name)
        return index

    def __len__(self) -> int:
        return len(self._line)

    def __getitem__(self, index: int) -> GuestConversion:
        start, end = self._wide.get(index, (self._start[index], self._end[index]))
        flags = self._flags[index]
        return GuestConversion(
            self._line[index],
            start,
            end,
            bool(flags & 1),
            self._names[self._module[index]],
            KINDS[flags >> 1],
            self._names[self._phase[index]],
        )

    def counted(self) -> list[int]:
        """The indices of the kept conversions the cross-check pairs, in log order:
        ``SetMemoryEncDec`` lines do not count when ``InternalSetPageState`` was logged."""
        if not self._page_state:
            return list(range(len(self._line)))
        return [i for i, flags in enumerate(self._flags) if flags >> 1 != _ENCDEC]

    def not_checked(self) -> int:
        """The conversions that would count but came past the limit."""
        dropped = self._dropped
        return sum(dropped) - (dropped[_ENCDEC] if self._page_state else 0)


@dataclass(slots=True)
class HostPiece:
    """A host conversion, with what is left of it once guest conversions claim their pages."""

    line: int
    start: int
    end: int
    to_private: bool
    phase: str
    seconds: float | None
    left: list[tuple[int, int]] = field(default_factory=list)


def pair(
    guest: GuestConversions,
    pieces: list[HostPiece],
    collector: FindingCollector,
    *,
    interleaved: bool,
) -> hd.CrossCheck | None:
    """Pair guest conversions with host ones and report what does not pair."""
    counted = guest.counted()
    if not counted or not pieces:
        return None
    for piece in pieces:
        piece.left = [(piece.start, piece.end)]
    paired = unseen = 0
    last_used = -1
    limits = _next_touch(guest, counted) if interleaved else [None] * len(counted)
    for index, limit in zip(counted, limits, strict=True):
        conversion = guest[index]
        missing, used = _claim(conversion, pieces, limit)
        last_used = max(last_used, used)
        if missing:
            unseen += 1
            collector.report(
                "HOST-001",
                [conversion.line],
                key=f"{conversion.module}:{'private' if conversion.to_private else 'shared'}",
                details={
                    "module": conversion.module,
                    "start": conversion.start,
                    "end": conversion.end,
                    "to_private": conversion.to_private,
                    "pages_unseen": missing // PAGE_SIZE,
                },
            )
        else:
            paired += 1
    until = guest.first_dropped_line if interleaved else None
    unexplained = _report_unexplained(pieces, collector, interleaved, last_used, until)
    not_checked = guest.not_checked()
    return hd.CrossCheck(len(counted), paired, unseen, unexplained, not_checked or None)


def _next_touch(guest: GuestConversions, counted: list[int]) -> list[int | None]:
    """For each counted guest conversion, the line of the next one touching its pages (None:
    none). In a capture the host's conversion comes before that line, or it was not this one's."""
    later: dict[int, int] = {}
    out: list[int | None] = [None] * len(counted)
    for index in range(len(counted) - 1, -1, -1):
        conversion = guest[counted[index]]
        pages = _sample_pages(conversion)
        found = [later[p] for p in pages if p in later]
        out[index] = min(found) if found else None
        for page in pages:
            later[page] = conversion.line
    return out


def _sample_pages(conversion: GuestConversion) -> list[int]:
    first, last = conversion.start // PAGE_SIZE, conversion.end // PAGE_SIZE
    if last - first <= SAMPLED_PAGES:
        return list(range(first, last))
    return [first, (first + last) // 2, last - 1]  # huge ranges: sampled, to stay linear


def _claim(
    conversion: GuestConversion, pieces: list[HostPiece], limit: int | None
) -> tuple[int, int]:
    """Take the conversion's pages from host pieces of its direction, first to last (before
    ``limit``, the next guest line touching the range); return the bytes no piece covered and
    the index of the last piece used."""
    need = [(conversion.start, conversion.end)]
    used = -1
    for index, piece in enumerate(pieces):
        if not need or (limit is not None and piece.line > limit):
            break
        if piece.to_private != conversion.to_private or not piece.left:
            continue
        if piece.end <= conversion.start or piece.start >= conversion.end:
            continue
        need, piece.left, took = _subtract_both(need, piece.left)
        if took:
            used = index
    return sum(end - start for start, end in need), used


def _subtract_both(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], bool]:
    """Remove the overlap of two range lists from both."""
    overlap = [
        (max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)
    ]
    if not overlap:
        return a, b, False
    return _minus(a, overlap), _minus(b, overlap), True


def _minus(ranges: list[tuple[int, int]], cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for start, end in ranges:
        pieces = [(start, end)]
        for c_start, c_end in cut:
            next_pieces = []
            for s, e in pieces:
                if c_end <= s or c_start >= e:
                    next_pieces.append((s, e))
                    continue
                if s < c_start:
                    next_pieces.append((s, c_start))
                if c_end < e:
                    next_pieces.append((c_end, e))
            pieces = next_pieces
        out.extend(pieces)
    return out


def _report_unexplained(
    pieces: list[HostPiece],
    collector: FindingCollector,
    interleaved: bool,
    last_used: int,
    until: int | None,
) -> int:
    """HOST-002 for host conversions left over; in a capture none past ``until``, the first
    guest conversion not kept (what explains them was not checked)."""
    count = 0
    for index, piece in enumerate(pieces):
        if not piece.left or (until is not None and piece.line > until):
            continue
        in_firmware = piece.phase in FIRMWARE_PHASES if interleaved else index <= last_used
        if not in_firmware:
            continue
        count += 1
        collector.report(
            "HOST-002",
            [piece.line],
            key=f"{piece.phase}:{'private' if piece.to_private else 'shared'}",
            details={
                "start": piece.start,
                "end": piece.end,
                "to_private": piece.to_private,
                "phase": piece.phase,
                "pages_unexplained": sum(e - s for s, e in piece.left) // PAGE_SIZE,
            },
        )
    return count


def check_launch(
    firmware: FirmwareReport, launch: list[HostLaunchUpdate], collector: FindingCollector
) -> None:
    """HOST-003: each ASEV/TDVF section the VMM must add at launch, against what it added."""
    snp = [u for u in launch if u.technology == "sev-snp" and u.gpa is not None]
    tdx = [u for u in launch if u.technology == "tdx" and u.gpa is not None]
    if snp and firmware.sev is not None:
        for section in firmware.sev.sections:
            kind = SevSectionType(section.type) if section.type in _SEV_TYPES else None
            expected = SNP_SECTION_PAGE_TYPES.get(kind) if kind is not None else None
            what = f"ASEV {kind.name if kind is not None else section.type}"
            _expect(collector, snp, section.base, section.size, expected, None, what)
    if tdx and firmware.tdx is not None:
        for td in firmware.tdx.sections:
            if td.type not in QEMU_TYPES:
                continue
            name = TDVF_SECTION_NAMES[td.type]
            measured = bool(td.attributes & TdxAttribute.MR_EXTEND)
            _expect(
                collector, tdx, td.memory_address, td.memory_size, name, measured, f"TDVF {name}"
            )


def _expect(
    collector: FindingCollector,
    updates: list[HostLaunchUpdate],
    base: int,
    size: int,
    page_type: str | None,
    measured: bool | None,
    what: str,
) -> None:
    covering = [
        u for u in updates if u.gpa is not None and u.gpa < base + size and base < u.gpa + u.size
    ]
    problem = None
    if not covering:
        problem = "not added at launch"
    elif (
        sum(
            min(u.gpa + u.size, base + size) - max(u.gpa, base)
            for u in covering
            if u.gpa is not None
        )
        < size
    ):
        problem = "only partly added at launch"
    elif page_type is not None and any(u.page_type != page_type for u in covering):
        problem = f"added as {sorted({u.page_type for u in covering})}, expected {page_type}"
    elif measured is not None and any(u.measured != measured for u in covering):
        problem = "measured" if not measured else "not measured"
        problem = f"{problem} although the section says otherwise"
    if problem is None:
        return
    collector.report(
        "HOST-003",
        [u.line for u in covering],
        key=f"{what}@{base:#x}",
        details={"section": what, "base": base, "size": size, "problem": problem},
    )


def check_faults(
    faults: list[HostMemoryFault], launch: list[HostLaunchUpdate], collector: FindingCollector
) -> None:
    """HOST-004: a shared-access fault on memory the launch put in private (and measured)."""
    private = [(u.gpa, u.gpa + u.size, u.page_type) for u in launch if u.gpa is not None]
    for fault in faults:
        if fault.private:
            continue
        for start, end, page_type in private:
            if fault.start < end and start < fault.start + fault.size:
                collector.report(
                    "HOST-004",
                    [fault.line],
                    key=page_type,
                    details={
                        "start": fault.start,
                        "size": fault.size,
                        "launch_page_type": page_type,
                    },
                )
                break
