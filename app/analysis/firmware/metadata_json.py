"""The firmware-metadata JSON document: the tables of an image without the image.

Users who cannot share their firmware run ``cvmreview firmware IMAGE --json meta.json`` where
the image is, or write the document by hand, and give the document instead of the image.
``FirmwareReport.to_dict()`` is a valid document. The schema (version 1)::

    {
      "schema": "cvmreview-firmware-metadata",      # required
      "schema_version": 1,                            # required
      "identity": {"size": 1966080,                   # required: image size in bytes
                   "name": "OVMF_CODE.fd", "sha256": "...", "sha384": "...",
                   "layout": "whole|code|vars|unknown"},
      "footer": null | {"entries": [                  # walking order, end of image first
          {"guid": "00f771de-...", "payload_hex": "04b08000"}       # or, for known entries,
          {"guid": "4c2eb361-...", "fields": {"base": 0, "size": 0}}]},
      "sev_metadata": null | {"version": 1, "sections": [
          {"base": "0x800000", "size": 36864, "type": "SNP_SEC_MEM"}]},   # type: name or number
      "tdx_metadata": null | {"version": 1, "sections": [
          {"data_offset": 0, "raw_size": 0, "memory_address": "0x810000",
           "memory_size": "0x10000", "type": "TEMP_MEM", "attributes": 0}]},
      "diagnostics": [{"code": "...", "severity": "error|warning", "message": "...",
                       "offset": null}]              # kept: they describe the image's bytes
    }

Integers may be JSON numbers or ``"0x..."`` strings. Optional header fields (``length``,
``offset_from_end``, ``offset``, ``split_offset``) default to what the sections imply. Every
other key of ``to_dict()`` (flavour, platforms, memfd, names, decoded fields) is derived and is
recomputed on load, so a document cannot contradict its own tables. Section and entry checks
run again; a document that is not JSON, not this schema or has wrong types raises
``FirmwareError``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from app.analysis.errors import FirmwareError
from app.analysis.firmware import guids
from app.analysis.firmware.consistency import check_blocks
from app.analysis.firmware.diagnostics import Diagnostic, diagnostic_from_dict
from app.analysis.firmware.flavour import SIZE_LABELS
from app.analysis.firmware.footer import (
    ENTRY_HEADER_SIZE,
    FooterEntry,
    FooterTable,
    check_duplicates,
    check_entry,
)
from app.analysis.firmware.report import (
    SCHEMA,
    SCHEMA_VERSION,
    FirmwareReport,
    Identity,
    build_report,
)
from app.analysis.firmware.sev_metadata import (
    SevMetadata,
    SevSection,
    SevSectionType,
    check_sev_sections,
)
from app.analysis.firmware.tdx_metadata import (
    TdxMetadata,
    TdxSection,
    TdxSectionType,
    check_tdx_placement,
    check_tdx_sections,
    split_offset,
)


class _Bad(Exception):
    """A schema violation; turned into FirmwareError with the document's name."""


def looks_like_json(data: bytes) -> bool:
    """Flash images start with a volume's 16 zero bytes; documents with ``{``."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def load_metadata_json(data: bytes | str, *, name: str) -> FirmwareReport:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FirmwareError(f"{name}: not a JSON document ({exc})") from None
    except RecursionError:  # json.loads gives up on deep nesting (about 1000 levels)
        raise FirmwareError(f"{name}: not a metadata document (nested too deeply)") from None
    try:
        return _load(doc, name)
    except _Bad as exc:
        raise FirmwareError(f"{name}: not a cvmreview firmware metadata document: {exc}") from None


def _load(doc: Any, name: str) -> FirmwareReport:
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise _Bad(f'"schema" must be "{SCHEMA}"')
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise _Bad(f'"schema_version" must be {SCHEMA_VERSION}')
    identity = _identity(_obj(doc.get("identity"), "identity"), name)
    footer = _footer(doc.get("footer"))
    sev = _sev(doc.get("sev_metadata"))
    tdx = _tdx(doc.get("tdx_metadata"), identity.size)
    diags = [_diagnostic(_obj(d, "diagnostic")) for d in _list(doc, "diagnostics")]
    for fresh in _recheck(footer, sev, tdx, identity.size):
        if all((fresh.code, fresh.message) != (d.code, d.message) for d in diags):
            diags.append(fresh)
    return build_report(identity, "metadata-json", footer, sev, tdx, diags)


def _recheck(
    footer: FooterTable | None, sev: SevMetadata | None, tdx: TdxMetadata | None, size: int
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if footer is not None:
        out.extend(check_duplicates(footer.entries))
        for entry in footer.entries:
            out.extend(check_entry(entry))
    if sev is not None:
        out.extend(check_sev_sections(sev))
    if tdx is not None:
        out.extend(check_tdx_sections(tdx))
        out.extend(check_tdx_placement(tdx, size))
    out.extend(check_blocks(footer, sev))
    return out


# --- parts ------------------------------------------------------------------------------------


def _identity(raw: dict[str, Any], name: str) -> Identity:
    size = _int(raw, "size")
    if size <= 0:
        raise _Bad('"identity.size" must be positive')
    return Identity(
        name=str(raw.get("name") or name),
        size=size,
        sha256=_opt_str(raw, "sha256"),
        sha384=_opt_str(raw, "sha384"),
        layout=str(raw.get("layout") or "unknown"),
        size_label=SIZE_LABELS.get(size),
    )


def _diagnostic(raw: dict[str, Any]) -> Diagnostic:
    """A kept diagnostic; a missing key or unknown severity is a schema violation."""
    try:
        return diagnostic_from_dict(raw)
    except KeyError as exc:
        raise _Bad(f"diagnostic {exc} is required") from None
    except ValueError:
        raise _Bad(f"diagnostic severity {raw.get('severity')!r} is not error or warning") from None


def _footer(raw: Any) -> FooterTable | None:
    if raw is None:
        return None
    raw = _obj(raw, "footer")
    entries = tuple(_entry(_obj(e, "footer entry")) for e in _list(raw, "entries"))
    total = sum(e.length for e in entries) + ENTRY_HEADER_SIZE
    length = _int(raw, "length", total)
    offset = _opt_int(raw, "offset")
    return FooterTable(length, offset, entries)


def _entry(raw: dict[str, Any]) -> FooterEntry:
    try:
        guid = uuid.UUID(str(raw.get("guid")))
    except ValueError:
        raise _Bad(f"footer entry GUID {raw.get('guid')!r} is not a GUID") from None
    if "payload_hex" in raw:
        try:
            payload = bytes.fromhex(str(raw["payload_hex"]))
        except ValueError:
            raise _Bad(f"payload_hex of {guid} is not hexadecimal") from None
    else:
        payload = _encode_fields(guid, _obj(raw.get("fields"), f"fields of {guid}"))
    return FooterEntry(guid, ENTRY_HEADER_SIZE + len(payload), payload, _opt_int(raw, "offset"))


def _encode_fields(guid: uuid.UUID, fields: dict[str, Any]) -> bytes:
    """Inverse of ``footer.decode_payload`` for hand-written documents."""

    def u32(key: str) -> bytes:
        return (_int(fields, key) & 0xFFFFFFFF).to_bytes(4, "little")

    if guid == guids.SEV_ES_RESET_BLOCK.guid:
        return u32("value")
    if guid in (guids.SEV_SECRET_BLOCK.guid, guids.SEV_HASH_TABLE_BLOCK.guid):
        return u32("base") + u32("size")
    if guid == guids.SVSM_INFO.guid:
        return u32("launch_offset")
    if guid in (g.guid for g in guids.FOOTER_ENTRY_GUIDS):
        return u32("offset_from_end")
    raise _Bad(f"entry {guid} is not a known entry: give its payload_hex")


def _sev(raw: Any) -> SevMetadata | None:
    if raw is None:
        return None
    raw = _obj(raw, "sev_metadata")
    sections = tuple(
        SevSection(
            _int(s, "base"),
            _int(s, "size"),
            _type(s, SevSectionType),
            _opt_int(s, "offset"),
        )
        for s in (_obj(x, "ASEV section") for x in _list(raw, "sections"))
    )
    return SevMetadata(
        offset_from_end=_int(raw, "offset_from_end", 0),
        length=_int(raw, "length", 16 + 12 * len(sections)),
        version=_int(raw, "version", 1),
        sections=sections,
        offset=_opt_int(raw, "offset"),
    )


def _tdx(raw: Any, size: int) -> TdxMetadata | None:
    if raw is None:
        return None
    raw = _obj(raw, "tdx_metadata")
    sections = [
        TdxSection(
            _int(s, "data_offset", 0),
            _int(s, "raw_size", 0),
            _int(s, "memory_address"),
            _int(s, "memory_size"),
            _type(s, TdxSectionType),
            _int(s, "attributes", 0),
            _opt_int(s, "offset"),
        )
        for s in (_obj(x, "TDVF section") for x in _list(raw, "sections"))
    ]
    return TdxMetadata(
        offset_from_end=_int(raw, "offset_from_end", 0),
        length=_int(raw, "length", 16 + 32 * len(sections)),
        version=_int(raw, "version", 1),
        sections=tuple(sections),
        offset=_opt_int(raw, "offset"),
        split_offset=_int(raw, "split_offset", split_offset(sections, size)),
    )


# --- typed access ----------------------------------------------------------------------------


def _obj(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Bad(f"{what} must be an object")
    return raw


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise _Bad(f'"{key}" must be a list')
    return value


_MISSING = object()


def _int(raw: dict[str, Any], key: str, default: object = _MISSING) -> int:
    value = raw.get(key, default)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise _Bad(f'"{key}" is required')
        value = default
    if isinstance(value, bool):
        raise _Bad(f'"{key}" must be an integer, not {value!r}')
    if isinstance(value, int):
        if value < 0:
            raise _Bad(f'"{key}" must not be negative')
        return value
    if isinstance(value, str):
        try:
            return _int({key: int(value, 0)}, key)
        except ValueError:
            pass
    raise _Bad(f'"{key}" must be an integer or a "0x..." string, not {value!r}')


def _opt_int(raw: dict[str, Any], key: str) -> int | None:
    return None if raw.get(key) is None else _int(raw, key)


def _opt_str(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return None if value is None else str(value)


def _type(raw: dict[str, Any], enum_type: type[SevSectionType] | type[TdxSectionType]) -> int:
    value = raw.get("type")
    if isinstance(value, str) and value.upper() in enum_type.__members__:
        return int(enum_type.__members__[value.upper()])
    return _int(raw, "type")
