"""Read a whole or code-only OVMF/TDVF flash image into a ``FirmwareReport``.

The reader never raises on image content: each problem becomes a diagnostic with the byte
offset it concerns, and whatever could be read is kept. Only input that is not bytes at all,
or is empty, raises ``FirmwareError``. ``load_firmware`` also accepts a metadata JSON document
(for users who cannot share their image) and tells the two apart by their first byte.
"""

from __future__ import annotations

import hashlib

from app.analysis.errors import FirmwareError
from app.analysis.firmware import guids
from app.analysis.firmware.consistency import check_blocks
from app.analysis.firmware.diagnostics import Diagnostic, make
from app.analysis.firmware.flavour import SIZE_LABELS
from app.analysis.firmware.footer import (
    FOOTER_GUID_FROM_END,
    TABLE_END_FROM_END,
    FooterTable,
    parse_footer,
)
from app.analysis.firmware.metadata_json import load_metadata_json, looks_like_json
from app.analysis.firmware.report import FirmwareReport, Identity, build_report
from app.analysis.firmware.sev_metadata import SevMetadata, parse_sev_metadata
from app.analysis.firmware.tdx_metadata import TdxMetadata, parse_tdx_metadata
from app.analysis.firmware.volume import VolumeKind, first_volume

MIN_SIZE = 1 << 20
MAX_SIZE = 16 << 20


def load_firmware(data: bytes, *, name: str) -> FirmwareReport:
    """A flash image or a metadata JSON document, whichever ``data`` is."""
    if isinstance(data, bytes | bytearray | memoryview) and looks_like_json(bytes(data)):
        return load_metadata_json(bytes(data), name=name)
    return read_firmware(data, name=name)


def read_firmware(data: bytes, *, name: str) -> FirmwareReport:
    """Read every table the image has; see the module docstring for what raises."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FirmwareError(f"{name}: expected the image bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise FirmwareError(f"{name}: the file is empty")
    diags: list[Diagnostic] = []
    volume = first_volume(data)
    footer = parse_footer(data, diags)
    if footer is None:
        diags.extend(_explain_missing_footer(data, volume))
    else:
        diags.extend(_check_size(len(data)))
    sev, tdx = _read_descriptors(data, footer, diags) if footer else (None, None)
    diags.extend(check_blocks(footer, sev))
    identity = Identity(
        name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sha384=hashlib.sha384(data).hexdigest(),
        layout=_layout(volume, footer is not None),
        size_label=SIZE_LABELS.get(len(data)),
    )
    return build_report(identity, "image", footer, sev, tdx, diags)


def _read_descriptors(
    data: bytes, footer: FooterTable, diags: list[Diagnostic]
) -> tuple[SevMetadata | None, TdxMetadata | None]:
    sev = tdx = None
    entry = footer.find(guids.SEV_METADATA_OFFSET.guid)
    if entry is not None and entry.fields:
        sev = parse_sev_metadata(data, entry.fields["offset_from_end"], entry.offset, diags)
    entry = footer.find(guids.TDX_METADATA_OFFSET.guid)
    if entry is not None and entry.fields:
        tdx = parse_tdx_metadata(data, entry.fields["offset_from_end"], entry.offset, diags)
    return sev, tdx


def _layout(volume: VolumeKind, has_footer: bool) -> str:
    if volume is VolumeKind.VARIABLE_STORE:
        return "whole" if has_footer else "vars"
    if volume is VolumeKind.CODE and has_footer:
        return "code"
    return "unknown"


def _check_size(size: int) -> list[Diagnostic]:
    if MIN_SIZE <= size <= MAX_SIZE:
        return []
    return [
        make(
            "unusual-size",
            f"the image is {size} bytes; OVMF builds are 1 to 16 MiB, so it may be truncated "
            "or padded",
        )
    ]


def _explain_missing_footer(data: bytes, volume: VolumeKind) -> list[Diagnostic]:
    """Why there is no footer, in the most specific words the bytes allow."""
    size = len(data)
    if size < TABLE_END_FROM_END:
        return [
            make(
                "image-too-small",
                f"{size} bytes cannot hold the {TABLE_END_FROM_END}-byte footer area that ends "
                "every OVMF image",
                0,
            )
        ]
    at = size - FOOTER_GUID_FROM_END
    found = guids.guid_from_raw(data[at : at + 16])
    out = [
        make(
            "no-footer",
            f"no footer table: the footer GUID {guids.FOOTER_TABLE.guid} is not at offset "
            f"{at:#x} (size-48); found {found} there",
            at,
        )
    ]
    if volume is VolumeKind.VARIABLE_STORE:
        out.append(
            make(
                "variable-store",
                "this is a UEFI variable store (OVMF_VARS*.fd), not firmware code: pass the "
                "matching OVMF_CODE*.fd or the unified OVMF.fd",
                0,
            )
        )
    elif found == guids.SEV_ES_RESET_BLOCK.guid:
        out.append(_legacy_reset_block(data))
    elif volume is VolumeKind.NONE:
        out.append(
            make(
                "not-ovmf",
                "no firmware volume header ('_FVH') at offset 0 and no footer table: this is "
                "not an OVMF flash image",
                0,
            )
        )
    return out


def _legacy_reset_block(data: bytes) -> Diagnostic:
    """edk2-stable202011 put the SEV-ES reset block GUID where the footer GUID is now."""
    size = len(data)
    ip = int.from_bytes(data[size - 0x36 : size - 0x34], "little")
    cs = int.from_bytes(data[size - 0x34 : size - 0x32], "little")
    return make(
        "legacy-reset-block",
        f"edk2-stable202011 layout: an SEV-ES reset block (CS {cs:#x}, IP {ip:#x}) without a "
        "footer table; current QEMU does not find it and cannot start SEV-ES with this image",
        size - FOOTER_GUID_FROM_END,
    )
