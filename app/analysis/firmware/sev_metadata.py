"""The SEV metadata descriptor (``'ASEV'``): the ranges an SEV-SNP launch must pre-validate.

Layout from edk2 ``OvmfPkg/ResetVector/X64/OvmfSevMetadata.nasm.inc`` (formerly ``.asm``); the
footer entry ``SEV metadata offset`` holds its distance from the end of the image. Section
types and their QEMU handling are in the reference, section 6.2.
"""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass

from app.analysis.firmware.descriptor import DescriptorKind, locate, read_header
from app.analysis.firmware.diagnostics import Diagnostic, make
from app.analysis.firmware.sections import Span, check_spans

SIGNATURE = b"ASEV"
FOUR_GIB = 1 << 32


class SevSectionType(enum.IntEnum):
    """``OVMF_SECTION_TYPE_*`` in OvmfSevMetadata.nasm.inc."""

    SNP_SEC_MEM = 1  # validated by the VMM before boot (a zero page)
    SNP_SECRETS = 2  # the SNP secrets page
    CPUID = 3  # the CPUID table page
    SVSM_CAA = 4  # the SVSM calling area (>= edk2-stable202405)
    KERNEL_HASHES = 0x10  # kernel/initrd/cmdline hashes (>= edk2-stable202402)


class SevSectionDesc(ctypes.LittleEndianStructure):
    _pack_ = 1
    _fields_ = [
        ("base", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
        ("type", ctypes.c_uint32),
    ]


DESC_SIZE = ctypes.sizeof(SevSectionDesc)  # 12
KIND = DescriptorKind(SIGNATURE, "SEV", DESC_SIZE)


def type_name(value: int) -> str:
    """``SNP_SEC_MEM``... or ``UNKNOWN_0x..`` for a type edk2 does not define."""
    try:
        return SevSectionType(value).name
    except ValueError:
        return f"UNKNOWN_{value:#x}"


@dataclass(frozen=True, slots=True)
class SevSection:
    base: int
    size: int
    type: int
    offset: int | None = None  # image offset of the descriptor

    @property
    def end(self) -> int:
        return self.base + self.size

    @property
    def type_name(self) -> str:
        return type_name(self.type)

    def to_dict(self) -> dict[str, object]:
        return {
            "base": self.base,
            "size": self.size,
            "type": self.type,
            "type_name": self.type_name,
            "offset": self.offset,
        }


@dataclass(frozen=True, slots=True)
class SevMetadata:
    """The descriptor; ``offset`` is where it starts in the image (None from JSON)."""

    offset_from_end: int
    length: int
    version: int
    sections: tuple[SevSection, ...]
    offset: int | None = None

    def of_type(self, kind: SevSectionType) -> list[SevSection]:
        return [s for s in self.sections if s.type == kind]

    def to_dict(self) -> dict[str, object]:
        return {
            "offset_from_end": self.offset_from_end,
            "offset": self.offset,
            "length": self.length,
            "version": self.version,
            "sections": [s.to_dict() for s in self.sections],
        }


def parse_sev_metadata(
    data: bytes, offset_from_end: int, entry_offset: int | None, diags: list[Diagnostic]
) -> SevMetadata | None:
    """Read the descriptor the footer points at; None if it is not there at all."""
    start = locate(data, offset_from_end, entry_offset, KIND, diags)
    header = None if start is None else read_header(data, start, KIND, diags)
    if header is None:
        return None
    sections = []
    for index in range(header.readable):
        at = header.entry_offset(index, DESC_SIZE)
        desc = SevSectionDesc.from_buffer_copy(data, at)
        sections.append(SevSection(int(desc.base), int(desc.size), int(desc.type), at))
    metadata = SevMetadata(
        offset_from_end, header.length, header.version, tuple(sections), header.start
    )
    diags.extend(check_sev_sections(metadata))
    return metadata


def check_sev_sections(metadata: SevMetadata) -> list[Diagnostic]:
    """Section checks that need no image bytes (shared with the metadata JSON loader)."""
    out: list[Diagnostic] = []
    known = {t.value for t in SevSectionType}
    for section in metadata.sections:
        if section.type not in known:
            out.append(
                make(
                    "section-type",
                    f"ASEV section at {section.base:#x} has type {section.type:#x}, which edk2 "
                    "does not define; a VMM may refuse it or add it as a zero page",
                    section.offset,
                )
            )
    spans = [Span(s.type_name, s.base, s.size, s.offset) for s in metadata.sections]
    out.extend(check_spans(spans, limit=FOUR_GIB, what="ASEV"))
    for needed in (SevSectionType.SNP_SECRETS, SevSectionType.CPUID):
        if not metadata.of_type(needed):
            out.append(
                make(
                    "sections-missing",
                    f"ASEV has no {needed.name} section; an SEV-SNP launch needs one",
                    metadata.offset,
                )
            )
    return out
