"""compare_firmware: entries and sections added, removed or changed; sizes and hashes."""

from __future__ import annotations

from app.analysis.firmware import compare_firmware, read_firmware

from . import builders as b
from .conftest import debian_image


def test_compare_identical_images() -> None:
    a = read_firmware(b.image(), name="a.fd")
    comparison = compare_firmware(a, read_firmware(b.image(), name="b.fd"))
    assert comparison.identical and comparison.to_dict()["changes"] == []


def test_compare_debian_2m_code_with_4m_code() -> None:
    a = read_firmware(debian_image("OVMF_CODE.fd"), name="2m")
    c = read_firmware(debian_image("OVMF_CODE_4M.fd"), name="4m")
    comparison = compare_firmware(a, c)
    identity = {ch.key: (ch.before, ch.after) for ch in comparison.in_area("identity")}
    assert identity["size"] == (1966080, 3653632)
    assert set(identity) >= {"size", "sha256", "sha384", "flavour", "platforms"}
    footer = {(ch.kind, ch.key.split()[-1]) for ch in comparison.in_area("footer")}
    assert footer == {
        ("changed", "00f771de-1a7e-4fcb-890e-68c77e2fb44e"),
        ("removed", "dc886566-984a-4798-a75e-5585a7bf67cc"),
        ("removed", "e47a6535-984a-4798-865e-4685a7bf8ec2"),
    }
    assert [ch.kind for ch in comparison.in_area("sev_metadata")] == ["removed"]
    assert [ch.kind for ch in comparison.in_area("tdx_metadata")] == ["removed"]


def test_compare_debian_plain_with_secboot_differs_only_in_hashes() -> None:
    a = read_firmware(debian_image("OVMF_CODE.fd"), name="plain")
    s = read_firmware(debian_image("OVMF_CODE.secboot.fd"), name="secboot")
    assert [ch.key for ch in compare_firmware(a, s).changes] == ["sha256", "sha384"]


def test_compare_sections_added_removed_changed() -> None:
    before = b.SNP_SECTIONS
    after = [before[0], (0x80A000, 0x4000, 1), *before[2:4], (0x900000, 0x1000, 4)]
    a = read_firmware(b.image(asev_bytes=b.asev(before)), name="a")
    c = read_firmware(b.image(asev_bytes=b.asev(after)), name="b")
    changes = {(ch.kind, ch.key) for ch in compare_firmware(a, c).in_area("sev_metadata")}
    assert changes == {
        ("changed", "SNP_SEC_MEM@0x80a000"),
        ("removed", "SNP_SEC_MEM@0x80f000"),
        ("added", "SVSM_CAA@0x900000"),
    }


def test_compare_diagnostics_added() -> None:
    a = read_firmware(b.image(), name="a")
    c = read_firmware(b.image([b.entry(b.RESET, b.u32(1)), *b.standard_entries()]), name="b")
    diags = compare_firmware(a, c).in_area("diagnostics")
    assert [(ch.kind, ch.key) for ch in diags] == [("added", "duplicate-guid")]


def test_compare_with_variable_store_reports_footer_removed() -> None:
    a = read_firmware(debian_image("OVMF_CODE.fd"), name="code")
    v = read_firmware(debian_image("OVMF_VARS.fd"), name="vars")
    first = compare_firmware(a, v).in_area("footer")[0]
    assert (first.kind, first.key, first.before, first.after) == (
        "removed",
        "footer table",
        136,
        None,
    )
