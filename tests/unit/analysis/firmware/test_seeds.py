"""Seed ranges for the page map and MEMFD labels, from the Debian image and built ones."""

from __future__ import annotations

from app.analysis.firmware import read_firmware
from app.analysis.model import LabelledRange, PageState

from . import builders as b
from .conftest import debian_image

PRIVATE = PageState.PRIVATE


def test_seed_ranges_sev_snp_debian() -> None:
    report = read_firmware(debian_image("OVMF_CODE.fd"), name="OVMF_CODE.fd")
    assert report.seed_ranges("sev-snp") == [
        LabelledRange(0x800000, 0x809000, PRIVATE, "SNP_SEC_MEM"),
        LabelledRange(0x80A000, 0x80D000, PRIVATE, "SNP_SEC_MEM"),
        LabelledRange(0x80D000, 0x80E000, PRIVATE, "SNP_SECRETS"),
        LabelledRange(0x80E000, 0x80F000, PRIVATE, "CPUID"),
        LabelledRange(0x80F000, 0x820000, PRIVATE, "SNP_SEC_MEM"),
    ]


def test_seed_ranges_tdx_debian() -> None:
    report = read_firmware(debian_image("OVMF_CODE.fd"), name="OVMF_CODE.fd")
    assert report.seed_ranges("tdx") == [
        LabelledRange(0x800000, 0x806000, PRIVATE, "TEMP_MEM"),
        LabelledRange(0x809000, 0x80B000, PRIVATE, "TD_HOB"),
        LabelledRange(0x80B000, 0x80D000, PRIVATE, "TEMP_MEM"),
        LabelledRange(0x810000, 0x820000, PRIVATE, "TEMP_MEM"),
        LabelledRange(0xFFE00000, 0xFFE20000, PRIVATE, "CFV"),
        LabelledRange(0xFFE20000, 0x100000000, PRIVATE, "BFV (measured)"),
    ]


def test_seed_ranges_other_platforms_have_none_and_none_means_both() -> None:
    report = read_firmware(debian_image("OVMF_CODE.fd"), name="OVMF_CODE.fd")
    assert report.seed_ranges("sev-es") == [] and report.seed_ranges("none") == []
    both = report.seed_ranges()
    assert len(both) == len(report.seed_ranges("sev-snp")) + len(report.seed_ranges("tdx"))


def test_seed_ranges_page_aug_is_unaccepted_and_garbage_is_skipped() -> None:
    sections = [
        *b.tdx_sections(b.MIB),
        (0, 0, 0x1000000, 0x100000, 4, 2),  # PERM_MEM added with PAGE.AUG
        (0, 0, (1 << 60), 0x1000, 3, 0),  # beyond any GPA width: never seeded
    ]
    report = read_firmware(b.image(tdvf_bytes=b.tdvf(sections)), name="x")
    seeds = report.seed_ranges("tdx")
    assert LabelledRange(0x1000000, 0x1100000, PageState.UNACCEPTED, "PERM_MEM (PAGE.AUG)") in seeds
    assert all(r.end <= 1 << 52 for r in seeds)


def test_memfd_labels_name_ghcb_hole_work_area_and_secret() -> None:
    entries = b.standard_entries()
    entries[3] = b.entry(b.SECRET, b.u32(0x820000, 0xC00))
    report = read_firmware(b.image(entries), name="x")
    labels = {(r.start, r.end, r.label) for r in report.memfd_labels()}
    assert (0x809000, 0x80A000, "SNP not pre-validated (SEC GHCB)") in labels
    assert (0x80B000, 0x80C000, "SEV-ES work area") in labels
    assert (0x820000, 0x820C00, "SEV launch secret") in labels
    assert (0x800000, 0x809000, "SNP SNP_SEC_MEM") in labels
    assert (0x809000, 0x80B000, "TDX TD_HOB") in labels


def test_memfd_labels_in_to_dict() -> None:
    report = read_firmware(b.image(), name="x")
    memfd = report.to_dict()["memfd"]
    assert isinstance(memfd, list)
    assert {
        "start": 0x809000,
        "end": 0x80A000,
        "state": "unknown",
        "label": "SNP not pre-validated (SEC GHCB)",
    } in memfd
