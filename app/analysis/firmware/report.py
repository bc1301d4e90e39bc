"""``FirmwareReport``: everything read from one firmware image or metadata document.

The report is the unit the rest of cvmreview uses: the CLI renders it, the simulator takes its
seed ranges, the cross-check compares it with a boot, and ``to_dict()`` is both the firmware
section of a boot's result document and a metadata JSON document that ``load_metadata_json``
reads back (see ``metadata_json.py`` for the schema).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.firmware import guids
from app.analysis.firmware.diagnostics import Diagnostic, DiagnosticSeverity
from app.analysis.firmware.flavour import Flavour, classify
from app.analysis.firmware.footer import FooterEntry, FooterTable
from app.analysis.firmware.seeds import build_memfd_labels, build_seed_ranges
from app.analysis.firmware.sev_metadata import SevMetadata
from app.analysis.firmware.tdx_metadata import TdxMetadata
from app.analysis.model import LabelledRange

SCHEMA = "cvmreview-firmware-metadata"
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Identity:
    """What the image is. Hashes are None when a hand-written metadata document omits them;
    ``layout`` is ``whole`` (variable store + code), ``code``, ``vars`` or ``unknown``."""

    name: str
    size: int
    sha256: str | None
    sha384: str | None
    layout: str
    size_label: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "sha384": self.sha384,
            "layout": self.layout,
            "size_label": self.size_label,
        }


# The diagnostics that say best why an image has no tables, most specific first.
WHY_UNUSABLE_CODES = ("variable-store", "not-ovmf", "legacy-reset-block", "image-too-small")


@dataclass(frozen=True, slots=True)
class FirmwareReport:
    identity: Identity
    source: str  # "image" or "metadata-json"
    footer: FooterTable | None
    sev: SevMetadata | None
    tdx: TdxMetadata | None
    flavour: Flavour
    flavour_reason: str
    platforms: tuple[str, ...]
    platform_notes: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is DiagnosticSeverity.ERROR]

    @property
    def usable(self) -> bool:
        """Whether anything was read beyond the identity: a footer entry or a descriptor."""
        has_entries = self.footer is not None and bool(self.footer.entries)
        return has_entries or self.sev is not None or self.tdx is not None

    @property
    def why_unusable(self) -> str:
        """The diagnostic that says best why nothing was read (for a one-line error)."""
        by_code = {d.code: d.message for d in self.diagnostics}
        for code in WHY_UNUSABLE_CODES:
            if code in by_code:
                return by_code[code]
        errors = self.errors
        return errors[0].message if errors else "no firmware tables found"

    def entry(self, known: guids.KnownGuid) -> FooterEntry | None:
        return self.footer.find(known.guid) if self.footer else None

    def seed_ranges(self, platform: str | None = None) -> list[LabelledRange]:
        """Page-map seeds; pass the boot's platform (``sev-snp``/``tdx``) to get only its own."""
        return build_seed_ranges(self.sev, self.tdx, platform)

    def memfd_labels(self) -> list[LabelledRange]:
        return build_memfd_labels(self.footer, self.sev, self.tdx)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "identity": self.identity.to_dict(),
            "flavour": self.flavour.value,
            "flavour_reason": self.flavour_reason,
            "platforms": list(self.platforms),
            "platform_notes": list(self.platform_notes),
            "footer": self.footer.to_dict() if self.footer else None,
            "sev_metadata": self.sev.to_dict() if self.sev else None,
            "tdx_metadata": self.tdx.to_dict() if self.tdx else None,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "memfd": [
                {"start": r.start, "end": r.end, "state": r.state.value, "label": r.label}
                for r in self.memfd_labels()
            ],
        }


def build_report(
    identity: Identity,
    source: str,
    footer: FooterTable | None,
    sev: SevMetadata | None,
    tdx: TdxMetadata | None,
    diagnostics: list[Diagnostic],
) -> FirmwareReport:
    """Classify the parts and freeze them into a report (used by both readers)."""
    found = classify(footer, sev, tdx, identity.size)
    return FirmwareReport(
        identity=identity,
        source=source,
        footer=footer,
        sev=sev,
        tdx=tdx,
        flavour=found.flavour,
        flavour_reason=found.reason,
        platforms=found.platforms,
        platform_notes=found.notes,
        diagnostics=tuple(diagnostics),
    )
