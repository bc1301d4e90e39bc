"""Which OVMF build an image is, and which confidential platforms it can start, as far as the
footer table tells.

The facts used (edk2 ``OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.nasm.inc``): the SEV and TDX
metadata offsets are emitted only by the X64 reset vector (``%ifdef ARCH_X64``), while the SEV-ES
reset, secret and hash-table entries are emitted by every build. So a table without either
metadata offset comes from an IA32 reset vector (OvmfPkgIa32, OvmfPkgIa32X64 - the build
distributions use for SMM and secure boot) or from X64 before edk2-stable202202. A launch-secret
area is reserved only by AmdSevX64 (and, since 2025-09, by OvmfPkgX64 through the shared MEMFD).
Nothing in the table tells SMM apart; the 4 MiB size is the hint distributions' SMM builds give.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.analysis.firmware import guids
from app.analysis.firmware.footer import FooterTable
from app.analysis.firmware.sev_metadata import SevMetadata, SevSectionType
from app.analysis.firmware.tdx_metadata import QEMU_TYPES, TdxMetadata, TdxSectionType


class Flavour(enum.Enum):
    OVMF_X64 = "OvmfPkgX64"
    AMD_SEV = "AmdSevX64"
    INTEL_TDX = "IntelTdxX64"
    IA32_4M = "OvmfPkgIa32X64 4M"
    IA32 = "OvmfPkgIa32/Ia32X64"
    UNKNOWN = "unknown"


# Image sizes of the standard FD_SIZE builds (OvmfPkg/Include/Fdf/OvmfPkgDefines.fdf.inc).
SIZE_LABELS = {
    0x100000: "1 MiB unified",
    0xE0000: "1 MiB code-only",
    0x200000: "2 MiB unified",
    0x1E0000: "2 MiB code-only",
    0x400000: "4 MiB unified",
    0x37C000: "4 MiB code-only",
}
_FOUR_MIB_SIZES = (0x400000, 0x37C000)


@dataclass(frozen=True, slots=True)
class Classification:
    flavour: Flavour
    reason: str
    platforms: tuple[str, ...]  # the Platform values it can start: sev, sev-es, sev-snp, tdx
    notes: tuple[str, ...]


def classify(
    footer: FooterTable | None, sev: SevMetadata | None, tdx: TdxMetadata | None, size: int
) -> Classification:
    if footer is None:
        return Classification(Flavour.UNKNOWN, "no footer table", (), ())
    flavour, reason = _flavour(footer, sev, tdx, size)
    platforms, notes = _platforms(footer, sev, tdx)
    return Classification(flavour, reason, platforms, notes)


def _flavour(
    footer: FooterTable, sev: SevMetadata | None, tdx: TdxMetadata | None, size: int
) -> tuple[Flavour, str]:
    x64 = _x64(footer)
    secret = footer.find(guids.SEV_SECRET_BLOCK.guid)
    has_secret = bool(secret and secret.fields.get("size"))
    if not x64:
        if size in _FOUR_MIB_SIZES:
            return Flavour.IA32_4M, (
                "4 MiB image whose table has no X64-only metadata: an IA32 reset vector, as in "
                "the OvmfPkgIa32X64 builds distributions ship with SMM"
            )
        return Flavour.IA32, (
            "no X64-only metadata in the table: an IA32 reset vector, or X64 before "
            "edk2-stable202202"
        )
    if sev is None and tdx is not None:
        return Flavour.INTEL_TDX, "TDVF metadata without ASEV"
    if has_secret:
        return Flavour.AMD_SEV, (
            "ASEV with a launch-secret area (AmdSevX64; OvmfPkgX64 also has one since 2025-09)"
        )
    if sev is not None and tdx is None:
        return Flavour.AMD_SEV, "ASEV metadata without TDVF"
    return Flavour.OVMF_X64, (
        "X64 reset vector with both ASEV and TDVF and no launch-secret area (IntelTdxX64 "
        "builds carry the same tables and cannot be told apart here)"
    )


def _x64(footer: FooterTable) -> bool:
    return any(
        footer.find(g.guid) is not None
        for g in (guids.SEV_METADATA_OFFSET, guids.TDX_METADATA_OFFSET, guids.IGVM_METADATA_OFFSET)
    )


def _platforms(
    footer: FooterTable, sev: SevMetadata | None, tdx: TdxMetadata | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    platforms: list[str] = []
    notes: list[str] = []
    reset = footer.find(guids.SEV_ES_RESET_BLOCK.guid) is not None
    if not _x64(footer):
        notes.append("no X64 metadata: SEV, SEV-ES, SEV-SNP and TDX need an X64 reset vector")
        return (), tuple(notes)
    platforms.append("sev")
    if reset:
        platforms.append("sev-es")
    else:
        notes.append("no SEV-ES reset block: QEMU cannot start SEV-ES or SEV-SNP guests")
    if reset and _snp_ready(sev):
        platforms.append("sev-snp")
    elif reset:
        notes.append("no usable ASEV metadata (version 1 with SNP_SECRETS and CPUID): no SEV-SNP")
    if _tdx_ready(tdx):
        platforms.append("tdx")
    else:
        notes.append("no usable TDVF metadata (QEMU's checks: version, length, types, BFV): no TDX")
    return tuple(platforms), tuple(notes)


def _snp_ready(sev: SevMetadata | None) -> bool:
    return (
        sev is not None
        and sev.version == 1
        and bool(sev.of_type(SevSectionType.SNP_SECRETS))
        and bool(sev.of_type(SevSectionType.CPUID))
    )


def _tdx_ready(tdx: TdxMetadata | None) -> bool:
    if tdx is None or tdx.version != 1 or len(tdx.sections) < 2:
        return False
    if tdx.length != 16 + 32 * len(tdx.sections):
        return False
    types = {s.type for s in tdx.sections}
    return types <= {t.value for t in QEMU_TYPES} and TdxSectionType.BFV in types
