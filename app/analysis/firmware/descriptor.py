"""The header both metadata descriptors start with, read and checked in one place.

``'ASEV'`` (``OvmfPkg/ResetVector/X64/OvmfSevMetadata.nasm.inc``) and ``'TDVF'``
(``OvmfPkg/ResetVector/X64/IntelTdxMetadata.nasm.inc``) share the 16-byte layout signature,
length, version, count, and the footer locates both as a distance from the end of the image, so
the bounds, signature, version, length and count checks are the same sequence for both.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from app.analysis.firmware.diagnostics import Diagnostic, make
from app.analysis.firmware.sections import count_to_read


class MetadataHeader(ctypes.LittleEndianStructure):
    _pack_ = 1
    _fields_ = [
        ("signature", ctypes.c_uint8 * 4),
        ("length", ctypes.c_uint32),  # header + descriptors (a GUID in front is not counted)
        ("version", ctypes.c_uint32),  # 1
        ("count", ctypes.c_uint32),
    ]


HEADER_SIZE = ctypes.sizeof(MetadataHeader)  # 16


@dataclass(frozen=True, slots=True)
class DescriptorKind:
    """What differs between the two descriptors: names, entry size, what a bad length costs."""

    signature: bytes
    label: str  # "SEV" / "TDX", as the footer entry names it
    entry_size: int
    length_consequence: str = ""  # appended to the length diagnostic


@dataclass(frozen=True, slots=True)
class DescriptorHeader:
    """A header that passed the signature check; ``readable`` entries fit in the image."""

    start: int
    length: int
    version: int
    claimed: int
    readable: int

    def entry_offset(self, index: int, entry_size: int) -> int:
        return self.start + HEADER_SIZE + index * entry_size


def locate(
    data: bytes,
    offset_from_end: int,
    entry_offset: int | None,
    kind: DescriptorKind,
    diags: list[Diagnostic],
) -> int | None:
    """Where the descriptor starts, or None (with a diagnostic) when the header cannot fit."""
    size = len(data)
    start = size - offset_from_end
    if offset_from_end == 0 or start < 0 or start + HEADER_SIZE > size:
        name = kind.signature.decode()
        diags.append(
            make(
                "metadata-outside-image",
                f"{kind.label} metadata offset {offset_from_end:#x} from the end does not leave "
                f"room for the {HEADER_SIZE}-byte {name} header in the {size}-byte image",
                entry_offset,
            )
        )
        return None
    return start


def read_header(
    data: bytes, start: int, kind: DescriptorKind, diags: list[Diagnostic]
) -> DescriptorHeader | None:
    """The header at ``start`` (from ``locate``); None when the signature is wrong."""
    header = MetadataHeader.from_buffer_copy(data, start)
    signature = bytes(header.signature)
    name = kind.signature.decode()
    if signature != kind.signature:
        diags.append(
            make(
                "metadata-signature",
                f"{kind.label} metadata at {start:#x} has signature {signature!r}, "
                f"expected {kind.signature!r}",
                start,
            )
        )
        return None
    length, version, claimed = int(header.length), int(header.version), int(header.count)
    if version != 1:
        message = f"{name} version is {version}, expected 1"
        diags.append(make("metadata-version", message, start + 8))
    expected = HEADER_SIZE + kind.entry_size * claimed
    if length != expected:
        diags.append(
            make(
                "metadata-length",
                f"{name} length {length} disagrees with its {claimed} sections "
                f"(expected {expected}{kind.length_consequence})",
                start + 4,
            )
        )
    room = len(data) - start - HEADER_SIZE
    readable = count_to_read(claimed, room, kind.entry_size, start + 12, name, diags)
    return DescriptorHeader(start, length, version, claimed, readable)
