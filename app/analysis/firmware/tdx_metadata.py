"""The TDX metadata descriptor (``'TDVF'``): what the VMM adds, measures or leaves to accept.

Layout from edk2 ``OvmfPkg/ResetVector/X64/IntelTdxMetadata.nasm.inc``, QEMU ``hw/i386/tdvf.c``
and td-shim ``td-shim-interface/src/metadata.rs`` (types 4-7). The footer entry ``TDX metadata
offset`` holds the distance from the end of the image to the descriptor, which follows the
TDX metadata GUID.

Data offsets always refer to the unified flash image (variable store + code). A code-only
image (``OVMF_CODE*.fd``) holds just the BFV, so its offsets are shifted by the size of the
separate variable store; ``split_offset`` records that shift, and the CFV is then not in the file.
"""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass

from app.analysis.firmware import guids
from app.analysis.firmware.descriptor import DescriptorKind, locate, read_header
from app.analysis.firmware.diagnostics import Diagnostic, make
from app.analysis.firmware.sections import Span, check_spans

SIGNATURE = b"TDVF"
FOUR_GIB = 1 << 32
GPA_LIMIT = 1 << 52  # the widest TDX GPA width


class TdxSectionType(enum.IntEnum):
    """``TDX_METADATA_SECTION_TYPE_*``; 4-7 come from td-shim and QEMU refuses them."""

    BFV = 0
    CFV = 1
    TD_HOB = 2
    TEMP_MEM = 3
    PERM_MEM = 4
    PAYLOAD = 5
    PAYLOAD_PARAM = 6
    TD_INFO = 7


class TdxAttribute(enum.IntFlag):
    """Section attribute bits (``TDX_METADATA_ATTRIBUTES_*`` / ``TDVF_SECTION_ATTRIBUTES_*``)."""

    MR_EXTEND = 0x1  # the VMM extends MRTD with the contents
    PAGE_AUG = 0x2  # added with TDH.MEM.PAGE.AUG: unmeasured, accepted by the guest


KNOWN_ATTRIBUTES = int(TdxAttribute.MR_EXTEND) | int(TdxAttribute.PAGE_AUG)  # a plain int:
# ``~`` on an IntFlag keeps only known bits, which would hide the unknown ones
QEMU_TYPES = {
    TdxSectionType.BFV,
    TdxSectionType.CFV,
    TdxSectionType.TD_HOB,
    TdxSectionType.TEMP_MEM,
}
_WITH_DATA = {TdxSectionType.BFV, TdxSectionType.CFV, TdxSectionType.PAYLOAD}


class TdxSectionDesc(ctypes.LittleEndianStructure):
    _pack_ = 1
    _fields_ = [
        ("data_offset", ctypes.c_uint32),
        ("raw_size", ctypes.c_uint32),
        ("memory_address", ctypes.c_uint64),
        ("memory_size", ctypes.c_uint64),
        ("type", ctypes.c_uint32),
        ("attributes", ctypes.c_uint32),
    ]


DESC_SIZE = ctypes.sizeof(TdxSectionDesc)  # 32
KIND = DescriptorKind(SIGNATURE, "TDX", DESC_SIZE, "; QEMU refuses the image")


def type_name(value: int) -> str:
    try:
        return TdxSectionType(value).name
    except ValueError:
        return f"UNKNOWN_{value:#x}"


def attribute_names(value: int) -> list[str]:
    names = [flag.name or "" for flag in TdxAttribute if value & flag]
    unknown = value & ~KNOWN_ATTRIBUTES
    if unknown:
        names.append(f"UNKNOWN_{unknown:#x}")
    return names


@dataclass(frozen=True, slots=True)
class TdxSection:
    data_offset: int
    raw_size: int
    memory_address: int
    memory_size: int
    type: int
    attributes: int
    offset: int | None = None  # image offset of the descriptor entry

    @property
    def end(self) -> int:
        return self.memory_address + self.memory_size

    @property
    def type_name(self) -> str:
        return type_name(self.type)

    def to_dict(self) -> dict[str, object]:
        return {
            "data_offset": self.data_offset,
            "raw_size": self.raw_size,
            "memory_address": self.memory_address,
            "memory_size": self.memory_size,
            "type": self.type,
            "type_name": self.type_name,
            "attributes": self.attributes,
            "attribute_names": attribute_names(self.attributes),
            "offset": self.offset,
        }


@dataclass(frozen=True, slots=True)
class TdxMetadata:
    offset_from_end: int
    length: int
    version: int
    sections: tuple[TdxSection, ...]
    offset: int | None = None
    split_offset: int = 0  # > 0: a code-only image; unified offset of this file's first byte

    def of_type(self, kind: TdxSectionType) -> list[TdxSection]:
        return [s for s in self.sections if s.type == kind]

    def to_dict(self) -> dict[str, object]:
        return {
            "offset_from_end": self.offset_from_end,
            "offset": self.offset,
            "length": self.length,
            "version": self.version,
            "split_offset": self.split_offset,
            "sections": [s.to_dict() for s in self.sections],
        }


def parse_tdx_metadata(
    data: bytes, offset_from_end: int, entry_offset: int | None, diags: list[Diagnostic]
) -> TdxMetadata | None:
    """Read the descriptor the footer points at; None if it is not there at all."""
    size = len(data)
    start = locate(data, offset_from_end, entry_offset, KIND, diags)
    if start is None:
        return None
    if start < 16 or data[start - 16 : start] != guids.TDX_METADATA.raw:
        diags.append(
            make(
                "metadata-guid",
                f"the TDX metadata GUID {guids.TDX_METADATA.guid} does not precede the TDVF "
                "descriptor (edk2 always emits it)",
                max(start - 16, 0),
            )
        )
    header = read_header(data, start, KIND, diags)
    if header is None:
        return None
    claimed = header.claimed
    if claimed < 2:
        diags.append(
            make(
                "metadata-section-count",
                f"TDVF lists {claimed} sections; QEMU requires at least 2",
                start + 12,
            )
        )
    sections = [
        _read_section(data, header.entry_offset(i, DESC_SIZE)) for i in range(header.readable)
    ]
    split = split_offset(sections, size)
    metadata = TdxMetadata(
        offset_from_end, header.length, header.version, tuple(sections), header.start, split
    )
    diags.extend(check_tdx_sections(metadata))
    diags.extend(check_tdx_placement(metadata, size))
    return metadata


def _read_section(data: bytes, at: int) -> TdxSection:
    d = TdxSectionDesc.from_buffer_copy(data, at)
    return TdxSection(
        int(d.data_offset),
        int(d.raw_size),
        int(d.memory_address),
        int(d.memory_size),
        int(d.type),
        int(d.attributes),
        at,
    )


def split_offset(sections: list[TdxSection], image_size: int) -> int:
    """For a code-only image, the unified-image offset where this file starts: the BFV is
    exactly the file and ends where the unified image ends. 0 otherwise."""
    ends = [s.data_offset + s.raw_size for s in sections if s.raw_size]
    if not ends or max(ends) <= image_size:
        return 0
    for bfv in sections:
        if bfv.type == TdxSectionType.BFV and bfv.raw_size == image_size:
            if bfv.data_offset + bfv.raw_size == max(ends):
                return bfv.data_offset
    return 0


def check_tdx_sections(metadata: TdxMetadata) -> list[Diagnostic]:
    """Checks that need no image bytes (shared with the metadata JSON loader)."""
    out: list[Diagnostic] = []
    for s in metadata.sections:
        out.extend(_check_type_and_attributes(s))
        out.extend(_check_raw_size(s))
    spans = [
        Span(s.type_name, s.memory_address, s.memory_size, s.offset) for s in metadata.sections
    ]
    out.extend(check_spans(spans, limit=GPA_LIMIT, what="TDVF"))
    return out


def _check_type_and_attributes(s: TdxSection) -> list[Diagnostic]:
    out = []
    where = f"TDVF section at {s.memory_address:#x}"
    if s.type > max(TdxSectionType):
        out.append(make("section-type", f"{where} has unknown type {s.type:#x}", s.offset))
    elif s.type not in QEMU_TYPES:
        out.append(
            make(
                "section-type",
                f"{where} has td-shim type {s.type_name}; QEMU refuses it "
                "('TDVF contains unsupported section type')",
                s.offset,
            )
        )
    unknown = s.attributes & ~KNOWN_ATTRIBUTES
    if unknown:
        out.append(make("section-attributes", f"{where} has unknown bits {unknown:#x}", s.offset))
    aug = s.attributes & TdxAttribute.PAGE_AUG
    if aug and s.type != TdxSectionType.PERM_MEM:
        out.append(
            make(
                "section-attributes",
                f"{where} ({s.type_name}) has PAGE.AUG, which only PERM_MEM may carry",
                s.offset,
            )
        )
    if aug and s.attributes & TdxAttribute.MR_EXTEND:
        out.append(
            make(
                "section-attributes",
                f"{where} has both MR.EXTEND and PAGE.AUG: augmented pages are never measured",
                s.offset,
            )
        )
    return out


def _check_raw_size(s: TdxSection) -> list[Diagnostic]:
    where = f"TDVF {s.type_name} section at {s.memory_address:#x}"
    if s.type in _WITH_DATA and s.raw_size == 0:
        return [make("section-raw-size", f"{where} has no raw data", s.offset)]
    if s.type in (TdxSectionType.TD_HOB, TdxSectionType.TEMP_MEM) and s.raw_size:
        return [
            make(
                "section-raw-size", f"{where} has raw size {s.raw_size:#x}; it must be 0", s.offset
            )
        ]
    if s.raw_size > s.memory_size:
        return [
            make(
                "section-raw-size",
                f"{where}: raw size {s.raw_size:#x} exceeds memory size {s.memory_size:#x}",
                s.offset,
            )
        ]
    return []


def check_tdx_placement(metadata: TdxMetadata, image_size: int) -> list[Diagnostic]:
    """File data inside the image, and BFV/CFV mapped where the flash image lies below 4 GiB."""
    out: list[Diagnostic] = []
    split = metadata.split_offset
    unified = image_size + split
    for s in metadata.sections:
        if not s.raw_size:
            continue
        where = f"TDVF {s.type_name} data [{s.data_offset:#x}, {s.data_offset + s.raw_size:#x})"
        in_vars_file = split and s.data_offset + s.raw_size <= split
        if not in_vars_file and (s.data_offset < split or s.data_offset + s.raw_size > unified):
            out.append(
                make(
                    "section-outside-image",
                    f"{where} lies outside the {image_size}-byte image",
                    s.offset,
                )
            )
        expected = FOUR_GIB - unified + s.data_offset
        if s.type in (TdxSectionType.BFV, TdxSectionType.CFV) and s.memory_address != expected:
            out.append(
                make(
                    "section-mapping",
                    f"{where} is placed at {s.memory_address:#x}, but the flash image maps it "
                    f"at {expected:#x}",
                    s.offset,
                )
            )
    return out
