"""The GUIDed footer table at the top of an OVMF flash image.

Layout (edk2 ``OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.nasm.inc``; QEMU
``hw/i386/pc_sysfw_ovmf.c``): the footer GUID sits 48 bytes before the end of the image, the
``u16`` total table length (footer included) just before it, and the entries before that. Each
entry is ``payload | u16 length | GUID`` where ``length`` counts all three, so the table is walked
from the end of the image backwards, the way QEMU does. QEMU's lookup returns the first match of
that walk, so ``FooterTable.find`` does the same.

A malformed table never raises: the walk stops at the first impossible length with a
diagnostic and keeps the entries read so far.
"""

from __future__ import annotations

import ctypes
import uuid
from dataclasses import dataclass, field

from app.analysis.firmware import guids
from app.analysis.firmware.diagnostics import Diagnostic, make

FOOTER_GUID_FROM_END = 0x30  # the footer GUID lies at size - 48 (GPA 0xFFFFFFD0)
TABLE_END_FROM_END = 0x32  # the u16 table length lies at size - 50; entries end there


class EntryHeader(ctypes.LittleEndianStructure):
    """The 18 bytes that end every entry (and the footer itself): ``u16 length`` + GUID."""

    _pack_ = 1
    _fields_ = [("length", ctypes.c_uint16), ("guid", ctypes.c_uint8 * 16)]


ENTRY_HEADER_SIZE = ctypes.sizeof(EntryHeader)  # 18

# Expected payload sizes of the entries whose layout is known.
_PAYLOAD_SIZES: dict[uuid.UUID, int] = {
    guids.SEV_ES_RESET_BLOCK.guid: 4,
    guids.SEV_SECRET_BLOCK.guid: 8,
    guids.SEV_HASH_TABLE_BLOCK.guid: 8,
    guids.SEV_METADATA_OFFSET.guid: 4,
    guids.TDX_METADATA_OFFSET.guid: 4,
    guids.IGVM_METADATA_OFFSET.guid: 4,
    guids.SVSM_INFO.guid: 4,
}


def _u32(payload: bytes, at: int = 0) -> int:
    return int.from_bytes(payload[at : at + 4], "little")


def decode_payload(guid: uuid.UUID, payload: bytes) -> dict[str, int]:
    """The named values of a known entry; empty when the entry is unknown or too short."""
    need = _PAYLOAD_SIZES.get(guid)
    if need is None or len(payload) < need:
        return {}
    value = _u32(payload)
    if guid == guids.SEV_ES_RESET_BLOCK.guid:
        # Low 16 bits: IP; high 16 bits: CS base[31:16] (the VMM shifts them left by 16).
        ip, cs_base = value & 0xFFFF, value & 0xFFFF0000
        return {"value": value, "ip": ip, "cs_base": cs_base, "address": cs_base + ip}
    if guid in (guids.SEV_SECRET_BLOCK.guid, guids.SEV_HASH_TABLE_BLOCK.guid):
        return {"base": value, "size": _u32(payload, 4)}
    if guid == guids.SVSM_INFO.guid:
        return {"launch_offset": value}
    return {"offset_from_end": value}


@dataclass(frozen=True, slots=True)
class FooterEntry:
    """One footer entry. ``offset`` is the image offset of its first payload byte (None when
    the entry came from a metadata JSON document)."""

    guid: uuid.UUID
    length: int
    payload: bytes
    offset: int | None = None

    @property
    def name(self) -> str:
        return guids.describe_guid(self.guid)

    @property
    def known(self) -> bool:
        return self.guid in guids.KNOWN_GUIDS

    @property
    def fields(self) -> dict[str, int]:
        return decode_payload(self.guid, self.payload)

    def to_dict(self) -> dict[str, object]:
        return {
            "guid": str(self.guid),
            "name": self.name,
            "length": self.length,
            "offset": self.offset,
            "payload_hex": self.payload.hex(),
            "fields": self.fields,
        }


@dataclass(frozen=True, slots=True)
class FooterTable:
    """The table: ``length`` as stored (footer included), ``offset`` of its first byte in the
    image (None if the length was impossible), entries in walking order (end to start)."""

    length: int
    offset: int | None
    entries: tuple[FooterEntry, ...] = field(default=())

    def find(self, guid: uuid.UUID) -> FooterEntry | None:
        """The entry QEMU would use: the first one met walking from the end."""
        return next((e for e in self.entries if e.guid == guid), None)

    def to_dict(self) -> dict[str, object]:
        return {
            "length": self.length,
            "offset": self.offset,
            "entries": [entry.to_dict() for entry in self.entries],
        }


def has_footer(data: bytes) -> bool:
    """Whether the footer GUID is where QEMU looks for it."""
    at = len(data) - FOOTER_GUID_FROM_END
    return at >= 2 and data[at : at + 16] == guids.FOOTER_TABLE.raw


def parse_footer(data: bytes, diags: list[Diagnostic]) -> FooterTable | None:
    """Walk the table; None when the image has no footer GUID (the caller says why)."""
    if not has_footer(data):
        return None
    size = len(data)
    length_at = size - TABLE_END_FROM_END
    length = int.from_bytes(data[length_at : length_at + 2], "little")
    if length < ENTRY_HEADER_SIZE:
        diags.append(
            make(
                "footer-length-too-short",
                f"footer table length {length} is smaller than the {ENTRY_HEADER_SIZE}-byte "
                "footer itself: the table cannot be read",
                length_at,
            )
        )
        return FooterTable(length, None)
    start = length_at - (length - ENTRY_HEADER_SIZE)
    if start < 0:
        diags.append(
            make(
                "footer-length-too-large",
                f"footer table length {length} reaches {-start} bytes before the start of the "
                f"{size}-byte image: the image is truncated or the length is corrupt",
                length_at,
            )
        )
        return FooterTable(length, None)
    entries = _walk(data, start, length_at, diags)
    _check_entries(entries, diags)
    return FooterTable(length, start, tuple(entries))


def _walk(data: bytes, start: int, end: int, diags: list[Diagnostic]) -> list[FooterEntry]:
    entries: list[FooterEntry] = []
    cursor = end
    while cursor - start >= ENTRY_HEADER_SIZE:
        header = EntryHeader.from_buffer_copy(data, cursor - ENTRY_HEADER_SIZE)
        length, guid = int(header.length), guids.guid_from_raw(bytes(header.guid))
        if length < ENTRY_HEADER_SIZE:
            diags.append(
                make(
                    "entry-length-too-short",
                    f"footer entry {guid} has length {length}, less than its "
                    f"{ENTRY_HEADER_SIZE}-byte header; the walk stops here",
                    cursor - ENTRY_HEADER_SIZE,
                )
            )
            return entries
        if length > cursor - start:
            diags.append(
                make(
                    "entry-length-too-large",
                    f"footer entry {guid} has length {length} but only {cursor - start} bytes "
                    "of the table are left; the walk stops here",
                    cursor - ENTRY_HEADER_SIZE,
                )
            )
            return entries
        payload = bytes(data[cursor - length : cursor - ENTRY_HEADER_SIZE])
        entries.append(FooterEntry(guid, length, payload, cursor - length))
        cursor -= length
    if cursor > start:
        diags.append(
            make(
                "table-leftover",
                f"{cursor - start} bytes at the start of the footer table form no entry",
                start,
            )
        )
    return entries


def _check_entries(entries: list[FooterEntry], diags: list[Diagnostic]) -> None:
    diags.extend(check_duplicates(entries))
    for entry in entries:
        diags.extend(check_entry(entry))


def check_duplicates(entries: list[FooterEntry] | tuple[FooterEntry, ...]) -> list[Diagnostic]:
    """Every copy of a GUID after the first met walking back (QEMU never sees those)."""
    out = []
    seen: set[uuid.UUID] = set()
    for entry in entries:
        if entry.guid in seen:
            out.append(
                make(
                    "duplicate-guid",
                    f"{entry.name} {entry.guid} appears more than once; QEMU uses the copy "
                    "nearest the end of the image and ignores this one",
                    entry.offset,
                )
            )
        seen.add(entry.guid)
    return out


def check_entry(entry: FooterEntry) -> list[Diagnostic]:
    """Per-entry checks shared with the metadata JSON loader."""
    if not entry.known:
        return [
            make(
                "unknown-guid",
                f"footer entry with unknown GUID {entry.guid} ({len(entry.payload)}-byte "
                "payload) is kept but not interpreted",
                entry.offset,
            )
        ]
    need = _PAYLOAD_SIZES.get(entry.guid)
    if need is None or len(entry.payload) == need:
        return []
    too_short = len(entry.payload) < need
    return [
        make(
            "entry-payload-size",
            f"{entry.name} payload is {len(entry.payload)} bytes, expected {need}"
            + ("; its values cannot be read" if too_short else "; the extra bytes are ignored"),
            entry.offset,
            warning=not too_short,
        )
    ]
