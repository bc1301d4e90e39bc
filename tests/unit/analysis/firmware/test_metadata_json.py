"""The metadata JSON document: to_dict() round-trips, hand-written documents load, and
anything else raises FirmwareError with the reason."""

from __future__ import annotations

import json

import pytest

from app.analysis.errors import FirmwareError
from app.analysis.firmware import load_firmware, load_metadata_json, read_firmware

from . import builders as b
from .conftest import debian_image


def _roundtrip(data: bytes, name: str) -> tuple[dict[str, object], dict[str, object]]:
    report = read_firmware(data, name=name)
    document = report.to_dict()
    loaded = load_metadata_json(json.dumps(document), name=f"{name}.json")
    return document, loaded.to_dict()


def test_to_dict_round_trips_debian_code_image() -> None:
    document, again = _roundtrip(debian_image("OVMF_CODE.fd"), "OVMF_CODE.fd")
    assert again.pop("source") == "metadata-json"
    assert document.pop("source") == "image"
    assert again == document


def test_to_dict_round_trips_diagnostics_of_a_broken_image() -> None:
    entries = [b.entry(b.RESET, b.u32(1)), *b.standard_entries()]
    bad = b.image(entries, asev_bytes=b.asev([*b.SNP_SECTIONS, (0x808000, 0x2000, 7)]))
    document, again = _roundtrip(bad, "bad.fd")
    assert again["diagnostics"] == document["diagnostics"]
    codes = {d["code"] for d in again["diagnostics"]}  # type: ignore[index,union-attr]
    assert {"duplicate-guid", "section-overlap", "section-type"} <= codes


def test_to_dict_round_trips_variable_store() -> None:
    document, again = _roundtrip(debian_image("OVMF_VARS.fd"), "OVMF_VARS.fd")
    assert again["footer"] is None and again["diagnostics"] == document["diagnostics"]


def test_load_firmware_tells_json_from_image() -> None:
    document = read_firmware(b.image(), name="built.fd").to_dict()
    report = load_firmware(b"\n  " + json.dumps(document).encode(), name="meta.json")
    assert report.source == "metadata-json"
    assert report.platforms == ("sev", "sev-es", "sev-snp", "tdx")


HAND_WRITTEN = {
    "schema": "cvmreview-firmware-metadata",
    "schema_version": 1,
    "identity": {"name": "customer OVMF.fd", "size": "0x200000"},
    "footer": {
        "entries": [
            {"guid": "00f771de-1a7e-4fcb-890e-68c77e2fb44e", "fields": {"value": "0x80b004"}},
            {"guid": "4c2eb361-7d9b-4cc3-8081-127c90d3d294", "fields": {"base": 0, "size": 0}},
            {"guid": "dc886566-984a-4798-a75e-5585a7bf67cc", "payload_hex": "2c050000"},
        ]
    },
    "sev_metadata": {
        "sections": [
            {"base": "0x800000", "size": "0x9000", "type": "SNP_SEC_MEM"},
            {"base": "0x80d000", "size": 4096, "type": "snp_secrets"},
            {"base": "0x80e000", "size": 4096, "type": 3},
        ]
    },
}


def test_load_metadata_json_hand_written_document() -> None:
    report = load_metadata_json(json.dumps(HAND_WRITTEN), name="meta.json")
    assert report.identity.name == "customer OVMF.fd"
    assert report.identity.size == 0x200000 and report.identity.sha256 is None
    assert report.footer is not None and report.footer.length == 22 + 26 + 22 + 18
    reset = report.footer.entries[0]
    assert reset.fields == {
        "value": 0x80B004,
        "ip": 0xB004,
        "cs_base": 0x800000,
        "address": 0x80B004,
    }
    assert report.sev is not None
    assert [(s.base, s.type) for s in report.sev.sections] == [
        (0x800000, 1),
        (0x80D000, 2),
        (0x80E000, 3),
    ]
    assert report.sev.length == 16 + 36 and report.sev.version == 1
    assert report.platforms == ("sev", "sev-es", "sev-snp")
    assert report.diagnostics == ()


def test_load_metadata_json_rechecks_sections() -> None:
    doc = json.loads(json.dumps(HAND_WRITTEN))
    doc["sev_metadata"]["sections"].append({"base": "0x801000", "size": "0x1000", "type": 1})
    report = load_metadata_json(json.dumps(doc), name="meta.json")
    assert [d.code for d in report.diagnostics] == ["section-overlap"]
    assert report.diagnostics[0].offset is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not a JSON document"),
        ("[1, 2]", '"schema" must be'),
        ('{"schema": "other"}', '"schema" must be'),
        ('{"schema": "cvmreview-firmware-metadata", "schema_version": 9}', "schema_version"),
        ('{"schema": "cvmreview-firmware-metadata", "schema_version": 1}', "identity must be"),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, "identity": {}}',
            '"size" is required',
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, '
            '"identity": {"size": "big"}}',
            "integer",
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, '
            '"identity": {"size": 4096}, "footer": {"entries": [{"guid": "nope"}]}}',
            "not a GUID",
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, "identity": '
            '{"size": 4096}, "footer": {"entries": '
            '[{"guid": "12345678-1234-5678-9abc-def012345678", "fields": {}}]}}',
            "payload_hex",
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, '
            '"identity": {"size": 4096}, "sev_metadata": {"sections": [{"base": -1, "size": 1, '
            '"type": 1}]}}',
            "negative",
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, '
            '"identity": {"size": 4096}, "tdx_metadata": {"sections": 3}}',
            "must be a list",
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, '
            '"identity": {"size": 4096}, "diagnostics": [{"severity": "error", "message": "m"}]}',
            "diagnostic 'code' is required",
        ),
        (
            '{"schema": "cvmreview-firmware-metadata", "schema_version": 1, "identity": '
            '{"size": 4096}, "diagnostics": [{"code": "x", "severity": "fatal", "message": "m"}]}',
            "severity 'fatal'",
        ),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_load_metadata_json_rejects_other_documents(text: str, words: str) -> None:
    with pytest.raises(FirmwareError, match="meta.json") as caught:
        load_metadata_json(text, name="meta.json")
    assert words in str(caught.value)
