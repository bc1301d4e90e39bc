"""Problems found while reading a firmware image, collected instead of raised.

sev-snp-measure stops at the first bad byte with a bare ``RuntimeError``; a reviewer needs the
whole picture, so every reader here appends a ``Diagnostic`` (a stable code, a severity, a
sentence and the byte offset it concerns) and carries on with what it could read. ``CODES`` is
the closed list of codes with one line each: the CLI help and the README table come from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DiagnosticSeverity(enum.Enum):
    """``error``: the firmware would be rejected or misread by a VMM; ``warning``: unusual."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem. ``offset`` is the byte offset in the image (None for JSON input or when the
    problem has no single place, such as a wrong file size)."""

    code: str
    severity: DiagnosticSeverity
    message: str
    offset: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "offset": self.offset,
        }


E = DiagnosticSeverity.ERROR
W = DiagnosticSeverity.WARNING

# code -> (default severity, what it means)
CODES: dict[str, tuple[DiagnosticSeverity, str]] = {
    "image-too-small": (E, "too short to hold the 50-byte footer area at the end of a flash image"),
    "unusual-size": (W, "outside the 1-16 MiB range of OVMF builds"),
    "no-footer": (E, "no footer table GUID 48 bytes before the end of the image"),
    "variable-store": (E, "a UEFI variable store (OVMF_VARS*.fd) was given instead of code"),
    "not-ovmf": (E, "neither a firmware volume nor an OVMF footer: not an OVMF image"),
    "legacy-reset-block": (W, "edk2-stable202011 reset block without a footer table"),
    "footer-length-too-short": (E, "footer table length smaller than the footer itself"),
    "footer-length-too-large": (E, "footer table length larger than the image"),
    "entry-length-too-short": (E, "footer entry length smaller than its 18-byte header"),
    "entry-length-too-large": (E, "footer entry length larger than what is left of the table"),
    "table-leftover": (W, "bytes at the start of the footer table that form no entry"),
    "duplicate-guid": (E, "the same GUID appears twice in the footer table"),
    "unknown-guid": (W, "a footer entry with a GUID this reader does not know"),
    "entry-payload-size": (E, "a known footer entry whose payload has the wrong size"),
    "metadata-outside-image": (E, "a metadata offset points outside the image"),
    "metadata-guid": (W, "the GUID in front of the TDVF descriptor is missing"),
    "metadata-signature": (E, "descriptor signature is not 'ASEV' / 'TDVF'"),
    "metadata-version": (E, "descriptor version is not 1"),
    "metadata-length": (E, "descriptor length disagrees with its section count"),
    "metadata-section-count": (E, "TDVF has fewer than two sections (QEMU refuses it)"),
    "section-type": (W, "a section type unknown to edk2 (or one QEMU refuses)"),
    "section-attributes": (W, "TDVF section attribute bits that are unknown or misplaced"),
    "section-raw-size": (E, "TDVF raw size wrong for the section type"),
    "section-unaligned": (E, "section base or size not a multiple of 4 KiB"),
    "section-empty": (W, "a section of size zero"),
    "section-overlap": (E, "two sections of one descriptor overlap in guest memory"),
    "section-outside-address-space": (E, "a section ends beyond the guest-physical address space"),
    "section-outside-image": (E, "a TDVF section's file data lies outside the image"),
    "section-mapping": (W, "a TDVF BFV/CFV is not mapped where the flash image lies"),
    "sections-missing": (W, "metadata lacks a section its platform needs"),
    "block-outside-metadata": (W, "SEV secret/hash block not covered by an ASEV section"),
}


def make(
    code: str, message: str, offset: int | None = None, *, warning: bool = False
) -> Diagnostic:
    """A diagnostic with the code's default severity (``warning=True`` downgrades an error)."""
    severity = CODES[code][0]
    if warning:
        severity = DiagnosticSeverity.WARNING
    return Diagnostic(code, severity, message, offset)


def diagnostic_from_dict(raw: dict[str, object]) -> Diagnostic:
    """Inverse of ``Diagnostic.to_dict``; unknown codes are kept (another version wrote them)."""
    offset = raw.get("offset")
    return Diagnostic(
        code=str(raw["code"]),
        severity=DiagnosticSeverity(str(raw["severity"])),
        message=str(raw["message"]),
        offset=offset if isinstance(offset, int) else None,
    )
