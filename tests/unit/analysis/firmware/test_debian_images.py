"""Every value measured in Debian bookworm's OVMF images, asserted against our reader.

Expected values: tests/fixtures/firmware/debian-bookworm-ovmf.json (provenance in README.md
there). Each test is keyed by the image's sha256 and skips, naming the new hash, if Debian
updated the package.
"""

from __future__ import annotations

import hashlib

import pytest

from app.analysis.firmware import Flavour, read_firmware
from app.analysis.firmware.diagnostics import DiagnosticSeverity

from .conftest import EXPECTED, debian_image

WITH_FOOTER = sorted(name for name, image in EXPECTED.items() if image["footer"])
VARIABLE_STORES = sorted(name for name, image in EXPECTED.items() if not image["footer"])


@pytest.mark.parametrize("name", WITH_FOOTER)
def test_read_firmware_debian_identity_and_footer(name: str) -> None:
    data = debian_image(name)
    expected = EXPECTED[name]
    report = read_firmware(data, name=name)
    assert report.identity.size == expected["size"]
    assert report.identity.sha256 == expected["sha256"]
    assert report.identity.sha384 == hashlib.sha384(data).hexdigest()
    assert report.footer is not None
    assert report.footer.length == expected["footer"]["length"]
    got = [(str(e.guid), e.name, e.length, e.payload.hex()) for e in report.footer.entries]
    want = [
        (e["guid"], e["name"], e["length"], e["payload_hex"]) for e in expected["footer"]["entries"]
    ]
    assert got == want
    for entry, want_entry in zip(report.footer.entries, expected["footer"]["entries"], strict=True):
        fields = entry.fields
        assert {k: fields[k] for k in want_entry["fields"]} == want_entry["fields"]
    assert not report.errors, report.errors


@pytest.mark.parametrize("name", WITH_FOOTER)
def test_read_firmware_debian_sev_metadata(name: str) -> None:
    report = read_firmware(debian_image(name), name=name)
    expected = EXPECTED[name]["sev_metadata"]
    if expected is None:
        assert report.sev is None
        return
    assert report.sev is not None
    assert (report.sev.version, report.sev.length, len(report.sev.sections)) == (
        expected["version"],
        expected["length"],
        expected["section_count"],
    )
    got = [(s.base, s.size, s.type, s.type_name) for s in report.sev.sections]
    want = [(s["base"], s["size"], s["type"], s["type_name"]) for s in expected["sections"]]
    assert got == want


@pytest.mark.parametrize("name", WITH_FOOTER)
def test_read_firmware_debian_tdx_metadata(name: str) -> None:
    report = read_firmware(debian_image(name), name=name)
    expected = EXPECTED[name]["tdx_metadata"]
    if expected is None:
        assert report.tdx is None
        return
    assert report.tdx is not None
    assert (report.tdx.version, report.tdx.length, len(report.tdx.sections)) == (
        expected["version"],
        expected["length"],
        expected["section_count"],
    )
    got = [
        (
            s.data_offset,
            s.raw_size,
            s.memory_address,
            s.memory_size,
            s.type,
            s.type_name,
            s.attributes,
        )
        for s in report.tdx.sections
    ]
    want = [
        (
            s["data_offset"],
            s["raw_size"],
            s["memory_address"],
            s["memory_size"],
            s["type"],
            s["type_name"],
            s["attributes"],
        )
        for s in expected["sections"]
    ]
    assert got == want


def test_read_firmware_debian_code_is_split_x64() -> None:
    report = read_firmware(debian_image("OVMF_CODE.fd"), name="OVMF_CODE.fd")
    assert report.identity.layout == "code"
    assert report.flavour is Flavour.OVMF_X64
    assert report.platforms == ("sev", "sev-es", "sev-snp", "tdx")
    assert report.tdx is not None and report.tdx.split_offset == 0x20000
    assert report.diagnostics == ()


@pytest.mark.parametrize("name", ["OVMF_CODE_4M.fd", "OVMF_CODE_4M.secboot.fd"])
def test_read_firmware_debian_4m_is_ia32_without_cc_platforms(name: str) -> None:
    report = read_firmware(debian_image(name), name=name)
    assert report.flavour is Flavour.IA32_4M
    assert report.platforms == ()
    assert any("X64" in note for note in report.platform_notes)


@pytest.mark.parametrize("name", VARIABLE_STORES)
def test_read_firmware_debian_variable_store_says_no_footer(name: str) -> None:
    report = read_firmware(debian_image(name), name=name)
    codes = {d.code: d for d in report.diagnostics}
    assert set(codes) == {"no-footer", "variable-store"}
    assert codes["no-footer"].offset == EXPECTED[name]["size"] - 48
    assert "no footer table" in codes["no-footer"].message
    assert codes["variable-store"].severity is DiagnosticSeverity.ERROR
    assert report.footer is None and not report.usable
    assert report.identity.layout == "vars"
