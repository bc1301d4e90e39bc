"""The firmware volume header at the start of an image: code, variable store, or neither.

OVMF images start with a PI firmware volume (PI spec vol. 3, ``EFI_FIRMWARE_VOLUME_HEADER`` in
edk2 ``MdePkg/Include/Pi/PiFirmwareVolume.h``). A unified ``OVMF.fd`` and an ``OVMF_VARS*.fd``
both start with the variable store volume; ``OVMF_CODE*.fd`` starts with a code volume. With the
footer table, that tells a whole image from a code-only one, and without it, a variable store
given by mistake from something that is not OVMF at all.
"""

from __future__ import annotations

import ctypes
import enum

from app.analysis.firmware import guids

FV_SIGNATURE = b"_FVH"


class FirmwareVolumeHeader(ctypes.LittleEndianStructure):
    _pack_ = 1
    _fields_ = [
        ("zero_vector", ctypes.c_uint8 * 16),
        ("file_system_guid", ctypes.c_uint8 * 16),
        ("fv_length", ctypes.c_uint64),
        ("signature", ctypes.c_uint8 * 4),
        ("attributes", ctypes.c_uint32),
        ("header_length", ctypes.c_uint16),
        ("checksum", ctypes.c_uint16),
        ("ext_header_offset", ctypes.c_uint16),
        ("reserved", ctypes.c_uint8),
        ("revision", ctypes.c_uint8),
    ]


FV_HEADER_SIZE = ctypes.sizeof(FirmwareVolumeHeader)  # 56


class VolumeKind(enum.Enum):
    """What the first firmware volume of an image is."""

    VARIABLE_STORE = "variable-store"  # gEfiSystemNvDataFvGuid
    CODE = "code"  # FFS2/FFS3 file system
    OTHER = "other"  # a volume of another file system
    NONE = "none"  # no '_FVH' header at offset 0


def first_volume(data: bytes) -> VolumeKind:
    """Classify the volume at offset 0 (where every OVMF image starts with one)."""
    if len(data) < FV_HEADER_SIZE:
        return VolumeKind.NONE
    header = FirmwareVolumeHeader.from_buffer_copy(data, 0)
    if bytes(header.signature) != FV_SIGNATURE:
        return VolumeKind.NONE
    fs = guids.guid_from_raw(bytes(header.file_system_guid))
    if fs == guids.SYSTEM_NV_DATA_FV.guid:
        return VolumeKind.VARIABLE_STORE
    if fs in (guids.FFS2.guid, guids.FFS3.guid):
        return VolumeKind.CODE
    return VolumeKind.OTHER
