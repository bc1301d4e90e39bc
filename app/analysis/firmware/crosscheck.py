"""Cross-check a boot against the firmware image that ran it (rules FW-001..FW-006).

``platform`` is the platform section of a boot's result document::

    {"kind": "none|sev|sev-es|sev-snp|tdx|unknown",     # required
     "evidence_line": int,                              # optional: the line that told the kind
     "encryption_mask": "0x8000000000000",              # optional, unused here
     "ghcb": {"base": int, "pages": int, "line": int},  # optional
     "accepted_ranges": [{"start": int, "end": int, "line": int}],    # optional, [start, end)
     "unaccepted_ranges": [{"start": int, "end": int, "line": int}]}  # optional

Malformed optional entries are skipped (the platform section is built by our own parser; a
missing value is not the firmware's fault).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.analysis.firmware import guids
from app.analysis.firmware.report import FirmwareReport
from app.analysis.firmware.seeds import footer_labels, sev_seeds
from app.analysis.firmware.tdx_metadata import TdxAttribute, TdxSectionType
from app.analysis.model import PAGE_SIZE
from app.analysis.rules.base import FindingCollector

FOUR_GIB = 1 << 32
SEV_KINDS = ("sev", "sev-es", "sev-snp")


def cross_check(
    firmware: FirmwareReport, platform: dict[str, Any], collector: FindingCollector
) -> None:
    kind = str(platform.get("kind", "unknown"))
    evidence = _line(platform, "evidence_line")
    _check_errors(firmware, collector)
    if kind in SEV_KINDS:
        _check_sev_support(firmware, kind, evidence, collector)
        _check_ghcb(firmware, kind, platform.get("ghcb"), collector)
    if kind == "sev-snp":
        _check_snp_blocks(firmware, collector)
    if kind == "tdx":
        _check_tdx(firmware, platform, evidence, collector)


def _check_errors(firmware: FirmwareReport, collector: FindingCollector) -> None:
    errors = firmware.errors
    if errors:
        collector.report(
            "FW-005",
            [],
            key="diagnostics",
            details={
                "image": firmware.identity.name,
                "codes": sorted({d.code for d in errors}),
                "messages": [d.message for d in errors],
            },
        )


def _check_sev_support(
    firmware: FirmwareReport, kind: str, evidence: int, collector: FindingCollector
) -> None:
    if kind in firmware.platforms:
        return
    collector.report(
        "FW-001",
        [evidence] if evidence else [],
        key=kind,
        details={
            "platform": kind,
            "image": firmware.identity.name,
            "flavour": firmware.flavour.value,
            "image_platforms": list(firmware.platforms),
            "why": list(firmware.platform_notes),
        },
    )


def _check_ghcb(
    firmware: FirmwareReport, kind: str, ghcb: Any, collector: FindingCollector
) -> None:
    if not isinstance(ghcb, dict) or not _ints(ghcb, "base", "pages"):
        return
    start, line = ghcb["base"], _line(ghcb)
    end = start + ghcb["pages"] * PAGE_SIZE
    reserved = [(r.start, r.end, r.label) for r in footer_labels(firmware.footer)]
    if kind == "sev-snp":
        reserved += [(r.start, r.end, f"pre-validated {r.label}") for r in sev_seeds(firmware.sev)]
    flash = FOUR_GIB - firmware.identity.size
    reserved.append((flash, FOUR_GIB, "flash window"))
    for r_start, r_end, label in reserved:
        if start < r_end and r_start < end:
            collector.report(
                "FW-004",
                [line] if line else [],
                key=f"{label}@{r_start:#x}",
                details={
                    "ghcb": [start, end],
                    "range": [r_start, r_end],
                    "label": label,
                },
            )


def _check_snp_blocks(firmware: FirmwareReport, collector: FindingCollector) -> None:
    if firmware.sev is None:
        return  # FW-001 already says the ASEV is missing
    for known in (guids.SEV_SECRET_BLOCK, guids.SEV_HASH_TABLE_BLOCK):
        entry = firmware.entry(known)
        if entry is None or not entry.fields.get("size"):
            continue
        base, size = entry.fields["base"], entry.fields["size"]
        if not any(s.base <= base and base + size <= s.end for s in firmware.sev.sections):
            collector.report(
                "FW-006",
                [],
                key=known.name,
                details={"block": known.name, "range": [base, base + size]},
            )


def _check_tdx(
    firmware: FirmwareReport, platform: dict[str, Any], evidence: int, collector: FindingCollector
) -> None:
    if "tdx" not in firmware.platforms:
        collector.report(
            "FW-002",
            [evidence] if evidence else [],
            key="tdx",
            details={
                "image": firmware.identity.name,
                "flavour": firmware.flavour.value,
                "why": list(firmware.platform_notes),
            },
        )
    if firmware.tdx is None:
        return
    added = [s for s in firmware.tdx.sections if not s.attributes & TdxAttribute.PAGE_AUG]
    for name, verb in (("accepted_ranges", "accepted again"), ("unaccepted_ranges", "unaccepted")):
        for start, end, line in _ranges(platform.get(name)):
            for s in added:
                if start < s.end and s.memory_address < end:
                    collector.report(
                        "FW-003",
                        [line] if line else [],
                        key=f"{verb}:{s.type_name}@{s.memory_address:#x}",
                        details={
                            "section": s.type_name,
                            "section_range": [s.memory_address, s.end],
                            "range": [start, end],
                            "how": verb,
                            "measured": s.type in (TdxSectionType.BFV, TdxSectionType.CFV),
                        },
                    )


def _ranges(raw: Any) -> Iterator[tuple[int, int, int]]:
    if not isinstance(raw, list):
        return
    for item in raw:
        if isinstance(item, dict) and _ints(item, "start", "end"):
            yield item["start"], item["end"], _line(item)


def _ints(raw: dict[str, Any], *keys: str) -> bool:
    return all(isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool) for k in keys)


def _line(raw: dict[str, Any], key: str = "line") -> int:
    line = raw.get(key)
    return line if isinstance(line, int) and not isinstance(line, bool) and line > 0 else 0
