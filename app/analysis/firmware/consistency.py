"""Checks across parts of the image: the SEV secret and hash blocks against the ASEV sections.

Under SEV-SNP only memory in an ASEV section is validated before the guest runs; a launch
secret or kernel-hash table outside every section would be written by the VMM into memory the
guest never validated (and, for hashes, never measured), so the measured-boot chain breaks.
"""

from __future__ import annotations

from app.analysis.firmware import guids
from app.analysis.firmware.diagnostics import Diagnostic, make
from app.analysis.firmware.footer import FooterTable
from app.analysis.firmware.sev_metadata import SevMetadata


def check_blocks(footer: FooterTable | None, sev: SevMetadata | None) -> list[Diagnostic]:
    if footer is None or sev is None:
        return []
    out = []
    for known in (guids.SEV_SECRET_BLOCK, guids.SEV_HASH_TABLE_BLOCK):
        entry = footer.find(known.guid)
        if entry is None or not entry.fields.get("size"):
            continue
        base, size = entry.fields["base"], entry.fields["size"]
        if not any(s.base <= base and base + size <= s.end for s in sev.sections):
            out.append(
                make(
                    "block-outside-metadata",
                    f"{known.name} [{base:#x}, {base + size:#x}) lies in no ASEV section: under "
                    "SEV-SNP it is neither validated nor measured at launch",
                    entry.offset,
                )
            )
    return out
