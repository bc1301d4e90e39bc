"""Turn firmware metadata into labelled ranges for the page map and the address-space map.

Seeds are the pages whose state is fixed before the first log line: under SEV-SNP the VMM
validates every ASEV section (QEMU adds SNP_SEC_MEM as zero pages, the secrets and CPUID
pages as their own types); under TDX it adds every TDVF section with TDH.MEM.PAGE.ADD (private,
measured when MR.EXTEND is set) unless PAGE.AUG says the guest must accept it. MEMFD labels add
what the table says without fixing a state: the SEV-ES work area, the secret and hash blocks
and the holes between pre-validated ranges (edk2 leaves the SEC GHCB page there, shared).
"""

from __future__ import annotations

from app.analysis.firmware import guids
from app.analysis.firmware.footer import FooterTable
from app.analysis.firmware.sev_metadata import SevMetadata
from app.analysis.firmware.tdx_metadata import GPA_LIMIT, TdxAttribute, TdxMetadata
from app.analysis.model import PAGE_SIZE, LabelledRange, PageState

_SANE_LIMIT = GPA_LIMIT  # ranges ending above this come from corrupt metadata: never seed them


def sev_seeds(sev: SevMetadata | None) -> list[LabelledRange]:
    """ASEV sections: validated (private) before the guest's first instruction under SNP."""
    if sev is None:
        return []
    return [
        LabelledRange(s.base, s.end, PageState.PRIVATE, s.type_name)
        for s in sev.sections
        if s.size and s.end <= _SANE_LIMIT
    ]


def tdx_seeds(tdx: TdxMetadata | None) -> list[LabelledRange]:
    """TDVF sections: added private (and measured with MR.EXTEND), or left to accept (PAGE.AUG)."""
    if tdx is None:
        return []
    out = []
    for s in tdx.sections:
        if not s.memory_size or s.end > _SANE_LIMIT:
            continue
        if s.attributes & TdxAttribute.PAGE_AUG:
            state, label = PageState.UNACCEPTED, f"{s.type_name} (PAGE.AUG)"
        elif s.attributes & TdxAttribute.MR_EXTEND:
            state, label = PageState.PRIVATE, f"{s.type_name} (measured)"
        else:
            state, label = PageState.PRIVATE, s.type_name
        out.append(LabelledRange(s.memory_address, s.end, state, label))
    return out


def build_seed_ranges(
    sev: SevMetadata | None, tdx: TdxMetadata | None, platform: str | None = None
) -> list[LabelledRange]:
    """Seeds for ``platform`` (``sev-snp`` or ``tdx``; other platforms have none). With no
    platform, both sets: a caller that knows the platform should say it, because an OvmfPkgX64
    image carries both and only one applies to a boot."""
    out: list[LabelledRange] = []
    if platform in (None, "sev-snp"):
        out.extend(sev_seeds(sev))
    if platform in (None, "tdx"):
        out.extend(tdx_seeds(tdx))
    return sorted(out, key=lambda r: (r.start, r.end, r.label))


def build_memfd_labels(
    footer: FooterTable | None, sev: SevMetadata | None, tdx: TdxMetadata | None
) -> list[LabelledRange]:
    """Every range the firmware names, for the address-space map (states as seeds give them)."""
    out = [_relabel(r, "SNP") for r in sev_seeds(sev)]
    out.extend(_relabel(r, "TDX") for r in tdx_seeds(tdx))
    out.extend(footer_labels(footer))
    out.extend(_prevalidation_holes(sev))
    return sorted(out, key=lambda r: (r.start, r.end, r.label))


def _relabel(r: LabelledRange, platform: str) -> LabelledRange:
    return LabelledRange(r.start, r.end, r.state, f"{platform} {r.label}")


def footer_labels(footer: FooterTable | None) -> list[LabelledRange]:
    """Pages the footer entries name: the SEV-ES work area, launch secret and hash table."""
    if footer is None:
        return []
    out = []
    reset = footer.find(guids.SEV_ES_RESET_BLOCK.guid)
    if reset and reset.fields:
        page = reset.fields["address"] & ~(PAGE_SIZE - 1)
        out.append(LabelledRange(page, page + PAGE_SIZE, PageState.UNKNOWN, "SEV-ES work area"))
    for known, label in (
        (guids.SEV_SECRET_BLOCK, "SEV launch secret"),
        (guids.SEV_HASH_TABLE_BLOCK, "SEV kernel hash table"),
    ):
        entry = footer.find(known.guid)
        if entry and entry.fields.get("size"):
            base, size = entry.fields["base"], entry.fields["size"]
            out.append(LabelledRange(base, base + size, PageState.UNKNOWN, label))
    return out


def _prevalidation_holes(sev: SevMetadata | None) -> list[LabelledRange]:
    """Gaps of a few pages between ASEV sections: not validated by the VMM (edk2's SEC GHCB)."""
    if sev is None:
        return []
    spans = sorted((s.base, s.end) for s in sev.sections if s.size and s.end <= _SANE_LIMIT)
    out = []
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if 0 < start - end <= 4 * PAGE_SIZE:
            out.append(
                LabelledRange(end, start, PageState.UNKNOWN, "SNP not pre-validated (SEC GHCB)")
            )
    return out
