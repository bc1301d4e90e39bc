"""One byte-built image per diagnostic: each problem is reported with its code, severity,
message and byte offset, and never raises."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from app.analysis.errors import FirmwareError
from app.analysis.firmware import CODES, FirmwareReport, read_firmware
from app.analysis.firmware.diagnostics import DiagnosticSeverity

from . import builders as b

MIB = b.MIB
TABLE_END = MIB - 0x32  # where the standard table's entries end (the u16 length's offset)


def _codes(report: FirmwareReport) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for d in report.diagnostics:
        out.setdefault(d.code, []).append(d)
    return out


def _only(report: FirmwareReport, code: str):  # type: ignore[no-untyped-def]
    found = [d for d in report.diagnostics if d.code == code]
    assert len(found) == 1, report.diagnostics
    return found[0]


def test_builder_standard_image_reads_clean() -> None:
    report = read_firmware(b.image(), name="built.fd")
    assert report.diagnostics == ()
    assert report.footer is not None and len(report.footer.entries) == 5
    assert report.sev is not None and len(report.sev.sections) == 5
    assert report.tdx is not None and len(report.tdx.sections) == 3
    assert report.platforms == ("sev", "sev-es", "sev-snp", "tdx")


@pytest.mark.parametrize("bad", [b"", bytearray()])
def test_read_firmware_empty_raises_firmware_error(bad: bytes) -> None:
    with pytest.raises(FirmwareError, match="empty"):
        read_firmware(bad, name="empty.fd")


def test_read_firmware_not_bytes_raises_firmware_error() -> None:
    with pytest.raises(FirmwareError, match="expected the image bytes"):
        read_firmware("OVMF.fd", name="str")  # type: ignore[arg-type]


def test_image_too_small() -> None:
    d = _only(read_firmware(b"\x01" * 40, name="tiny"), "image-too-small")
    assert d.severity is DiagnosticSeverity.ERROR and "40 bytes" in d.message and d.offset == 0


def test_unusual_size_small_image_with_footer() -> None:
    report = read_firmware(b.image(size=0x10000), name="small")
    d = _only(report, "unusual-size")
    assert d.severity is DiagnosticSeverity.WARNING and "65536" in d.message
    assert report.usable and not report.errors


def test_not_ovmf_random_bytes() -> None:
    report = read_firmware(bytes(range(256)) * 4096, name="junk")
    codes = _codes(report)
    assert set(codes) == {"no-footer", "not-ovmf"}
    assert _only(report, "no-footer").offset == MIB - 48
    assert not report.usable


def test_variable_store_without_footer() -> None:
    data = bytearray(b.image(first_volume=b.NV_FV))
    data[MIB - 0x30 : MIB - 0x20] = b"\xff" * 16
    report = read_firmware(bytes(data), name="OVMF_VARS.fd")
    assert set(_codes(report)) == {"no-footer", "variable-store"}
    assert "OVMF_CODE" in _only(report, "variable-store").message


def test_code_volume_without_footer_is_only_no_footer() -> None:
    data = bytearray(b.image())
    data[MIB - 0x30 : MIB - 0x20] = bytes(16)
    report = read_firmware(bytes(data), name="old.fd")
    assert set(_codes(report)) == {"no-footer"}


def test_legacy_reset_block_of_edk2_stable202011() -> None:
    data = bytearray(b.image())
    data[MIB - 0x30 : MIB - 0x20] = b.RESET.bytes_le
    data[MIB - 0x36 : MIB - 0x32] = bytes.fromhex("04b00080")  # IP 0xb004, CS 0x8000
    d = _only(read_firmware(bytes(data), name="202011.fd"), "legacy-reset-block")
    assert "IP 0xb004" in d.message and "CS 0x8000" in d.message
    assert d.severity is DiagnosticSeverity.WARNING and d.offset == MIB - 0x30


def test_footer_length_too_short() -> None:
    report = read_firmware(b.image(table_length=10), name="x")
    d = _only(report, "footer-length-too-short")
    assert d.offset == TABLE_END and "10" in d.message
    assert report.footer is not None and report.footer.entries == ()


def test_footer_length_too_large() -> None:
    report = read_firmware(b.image(size=0x8000, table_length=0xFFFF), name="x")
    d = _only(report, "footer-length-too-large")
    assert d.offset == 0x8000 - 0x32 and "65535" in d.message
    assert report.sev is None and report.tdx is None


def test_entry_length_too_short_keeps_entries_read_before() -> None:
    entries = b.standard_entries()
    entries[3] = b.entry(b.SECRET, b.u32(0, 0), length=5)  # second entry met walking back
    report = read_firmware(b.image(entries), name="x")
    d = _only(report, "entry-length-too-short")
    assert d.offset == TABLE_END - 22 - 18 and "length 5" in d.message
    assert report.footer is not None and [e.name for e in report.footer.entries] == [
        "SEV-ES reset block"
    ]


def test_entry_length_too_large() -> None:
    entries = b.standard_entries()
    entries[4] = b.entry(b.RESET, b.u32(0x80B004), length=0x400)
    report = read_firmware(b.image(entries), name="x")
    d = _only(report, "entry-length-too-large")
    assert d.offset == TABLE_END - 18 and "1024" in d.message
    assert report.footer is not None and report.footer.entries == ()


def test_table_leftover_bytes() -> None:
    report = read_firmware(b.image([b"\0" * 5, *b.standard_entries()]), name="x")
    d = _only(report, "table-leftover")
    assert d.severity is DiagnosticSeverity.WARNING and d.offset == TABLE_END - 118 - 5
    assert report.footer is not None and len(report.footer.entries) == 5


def test_duplicate_guid_keeps_the_copy_nearest_the_end() -> None:
    entries = [b.entry(b.RESET, b.u32(0x11111)), *b.standard_entries()]
    report = read_firmware(b.image(entries), name="x")
    d = _only(report, "duplicate-guid")
    assert d.severity is DiagnosticSeverity.ERROR and d.offset == TABLE_END - 118 - 22
    assert report.footer is not None
    reset = report.footer.find(b.RESET)
    assert reset is not None and reset.fields["value"] == 0x80B004


def test_unknown_guid_is_kept_not_fatal() -> None:
    stranger = uuid.UUID("12345678-1234-5678-9abc-def012345678")
    report = read_firmware(b.image([b.entry(stranger, b"abc"), *b.standard_entries()]), name="x")
    d = _only(report, "unknown-guid")
    assert str(stranger) in d.message and d.severity is DiagnosticSeverity.WARNING
    assert report.footer is not None and len(report.footer.entries) == 6
    assert report.platforms == ("sev", "sev-es", "sev-snp", "tdx")


@pytest.mark.parametrize(
    ("payload", "severity"),
    [
        (b"\x04\xb0", DiagnosticSeverity.ERROR),
        (b"\x04\xb0\x80\x00\0\0", DiagnosticSeverity.WARNING),
    ],
)
def test_entry_payload_size(payload: bytes, severity: DiagnosticSeverity) -> None:
    entries = b.standard_entries()
    entries[4] = b.entry(b.RESET, payload)
    d = _only(read_firmware(b.image(entries), name="x"), "entry-payload-size")
    assert d.severity is severity and f"{len(payload)} bytes, expected 4" in d.message


@pytest.mark.parametrize("offset_from_end", [0, MIB + 1, 8])
def test_metadata_outside_image(offset_from_end: int) -> None:
    entries = b.standard_entries()
    entries[1] = b.entry(b.SEV_META, b.u32(offset_from_end))
    report = read_firmware(b.image(entries), name="x")
    d = _only(report, "metadata-outside-image")
    assert "ASEV" in d.message and d.offset == TABLE_END - 22 - 26 - 26 - 22
    assert report.sev is None and "sev-snp" not in report.platforms


def _asev_case(**kwargs: object) -> Callable[[], bytes]:
    return lambda: b.image(asev_bytes=b.asev(b.SNP_SECTIONS, **kwargs))  # type: ignore[arg-type]


def _tdvf_case(sections: list[tuple[int, int, int, int, int, int]], **kwargs: object) -> bytes:
    return b.image(tdvf_bytes=b.tdvf(sections, **kwargs))  # type: ignore[arg-type]


ASEV_AT = MIB - b.ASEV_FROM_END
TDVF_AT = MIB - b.TDVF_FROM_END


@pytest.mark.parametrize(
    ("build", "code", "offset", "words"),
    [
        (_asev_case(signature=b"XSEV"), "metadata-signature", ASEV_AT, "b'XSEV'"),
        (_asev_case(version=2), "metadata-version", ASEV_AT + 8, "version is 2"),
        (_asev_case(length=99), "metadata-length", ASEV_AT + 4, "length 99"),
        (_asev_case(count=1_000_000), "metadata-length", ASEV_AT + 12, "1000000 sections"),
        (
            lambda: _tdvf_case(b.tdx_sections(MIB), signature=b"TDVX"),
            "metadata-signature",
            TDVF_AT,
            "b'TDVX'",
        ),
        (
            lambda: _tdvf_case(b.tdx_sections(MIB), version=0),
            "metadata-version",
            TDVF_AT + 8,
            "version is 0",
        ),
        (
            lambda: _tdvf_case(b.tdx_sections(MIB), length=100),
            "metadata-length",
            TDVF_AT + 4,
            "length 100",
        ),
        (
            lambda: _tdvf_case(b.tdx_sections(MIB)[:1]),
            "metadata-section-count",
            TDVF_AT + 12,
            "at least 2",
        ),
        (
            lambda: _tdvf_case(b.tdx_sections(MIB), guid=False),
            "metadata-guid",
            TDVF_AT - 16,
            "e9eaf9f3",
        ),
    ],
)
def test_descriptor_header_diagnostics(
    build: Callable[[], bytes], code: str, offset: int, words: str
) -> None:
    report = read_firmware(build(), name="x")
    found = [d for d in report.diagnostics if d.code == code and d.offset == offset]
    assert found, report.diagnostics
    assert words in found[0].message
    assert found[0].severity is CODES[code][0]


def _sev_with(section: tuple[int, int, int]) -> bytes:
    return b.image(asev_bytes=b.asev([*b.SNP_SECTIONS, section]))


def _tdx_with(section: tuple[int, int, int, int, int, int]) -> bytes:
    return b.image(tdvf_bytes=b.tdvf([*b.tdx_sections(MIB), section]))


SEV_LAST = ASEV_AT + 16 + 12 * 5  # the descriptor entry of the added ASEV section
TDX_LAST = TDVF_AT + 16 + 32 * 3  # the descriptor entry of the added TDVF section


@pytest.mark.parametrize(
    ("data", "code", "offset", "words"),
    [
        (_sev_with((0x900000, 0x1000, 9)), "section-type", SEV_LAST, "type 0x9"),
        (_tdx_with((0, 0, 0x900000, 0x1000, 5, 0)), "section-type", TDX_LAST, "PAYLOAD"),
        (_tdx_with((0, 0, 0x900000, 0x1000, 12, 0)), "section-type", TDX_LAST, "unknown type 0xc"),
        (_tdx_with((0, 0, 0x900000, 0x1000, 3, 4)), "section-attributes", TDX_LAST, "bits 0x4"),
        (_tdx_with((0, 0, 0x900000, 0x1000, 3, 2)), "section-attributes", TDX_LAST, "PAGE.AUG"),
        (_tdx_with((0, 0x1000, 0x900000, 0x1000, 2, 0)), "section-raw-size", TDX_LAST, "must be 0"),
        (_tdx_with((0, 0, 0x900000, 0x1000, 1, 0)), "section-raw-size", TDX_LAST, "no raw data"),
        (_sev_with((0x900100, 0x1000, 1)), "section-unaligned", SEV_LAST, "0x900100"),
        (_sev_with((0x900000, 0, 1)), "section-empty", SEV_LAST, "size zero"),
        (_sev_with((0x808000, 0x2000, 1)), "section-overlap", SEV_LAST, "overlaps"),
        (_tdx_with((0, 0, 0x801000, 0x1000, 3, 0)), "section-overlap", TDX_LAST, "overlaps"),
        (
            _sev_with((0xFFFFF000, 0x2000, 1)),
            "section-outside-address-space",
            SEV_LAST,
            "0x100001000",
        ),
        (
            _tdx_with((0, 0, 1 << 52, 0x1000, 3, 0)),
            "section-outside-address-space",
            TDX_LAST,
            "0x10000000000000",
        ),
        (
            _tdx_with((MIB - 0x1000, 0x2000, 0xFFFFF000, 0x2000, 1, 0)),
            "section-outside-image",
            TDX_LAST,
            "outside the 1048576-byte image",
        ),
        (
            _tdx_with((0, 0x1000, 0x7000000, 0x1000, 1, 0)),
            "section-mapping",
            TDX_LAST,
            "maps it at 0xfff00000",
        ),
    ],
)
def test_section_diagnostics(data: bytes, code: str, offset: int, words: str) -> None:
    report = read_firmware(data, name="x")
    found = [d for d in report.diagnostics if d.code == code and d.offset == offset]
    assert found, report.diagnostics
    assert words in found[0].message
    assert found[0].severity is CODES[code][0]


def test_sections_missing_cpuid_page() -> None:
    sections = [s for s in b.SNP_SECTIONS if s[2] != 3]
    report = read_firmware(b.image(asev_bytes=b.asev(sections)), name="x")
    d = _only(report, "sections-missing")
    assert "CPUID" in d.message and d.offset == ASEV_AT
    assert "sev-snp" not in report.platforms and "sev-es" in report.platforms


def test_block_outside_metadata_secret_block() -> None:
    entries = b.standard_entries()
    entries[3] = b.entry(b.SECRET, b.u32(0x900000, 0xC00))
    report = read_firmware(b.image(entries), name="x")
    d = _only(report, "block-outside-metadata")
    assert "SEV secret block [0x900000, 0x900c00)" in d.message
    assert d.offset == TABLE_END - 22 - 26


def test_every_code_is_exercised_here() -> None:
    """A new diagnostic code must come with its byte-built image in this module."""
    source = open(__file__, encoding="utf-8").read()
    missing = [code for code in CODES if f'"{code}"' not in source]
    assert missing == []
