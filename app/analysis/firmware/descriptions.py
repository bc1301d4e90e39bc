"""Words for humans about firmware metadata (kept out of the parsers, as pyelftools does).

The CLI and the web pages render tables; these functions give them the one-line meaning of a
footer entry and the names of TDVF attribute bits.
"""

from __future__ import annotations

from app.analysis.firmware import guids
from app.analysis.firmware.footer import FooterEntry
from app.analysis.firmware.tdx_metadata import attribute_names


def describe_entry(entry: FooterEntry) -> str:
    """``IP 0xb004, CS base 0x800000``, ``base 0x0, size 0x0``... or why it cannot be read."""
    f = entry.fields
    if not entry.known:
        return "not interpreted (unknown GUID)"
    if not f:
        return "payload too short to read"
    if entry.guid == guids.SEV_ES_RESET_BLOCK.guid:
        return f"IP {f['ip']:#x}, CS base {f['cs_base']:#x} (AP reset at {f['address']:#x})"
    if "base" in f:
        if not f["size"]:
            return f"base {f['base']:#x}, size 0 (not reserved by this build)"
        return f"base {f['base']:#x}, size {f['size']:#x}"
    if entry.guid == guids.SEV_METADATA_OFFSET.guid:
        return f"ASEV descriptor at {f['offset_from_end']:#x} from the end"
    if entry.guid == guids.TDX_METADATA_OFFSET.guid:
        return f"TDVF descriptor at {f['offset_from_end']:#x} from the end"
    if entry.guid == guids.IGVM_METADATA_OFFSET.guid:
        return f"IGVM descriptor at {f['offset_from_end']:#x} from the end"
    return ", ".join(f"{key} {value:#x}" for key, value in f.items())


def describe_attributes(value: int) -> str:
    """``0x1 MR_EXTEND``; ``0x0`` alone when no bit is set."""
    names = attribute_names(value)
    return f"{value:#x} {' '.join(names)}".strip()
