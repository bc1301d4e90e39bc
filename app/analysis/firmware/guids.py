"""Named GUIDs found in OVMF/TDVF flash images, each with the file that defines it.

GUIDs are stored in the image in the mixed-endian EFI layout (``uuid.UUID.bytes_le``); these
constants are the canonical text form. ``KNOWN_GUIDS`` maps every GUID the firmware reader
recognises to its name and source, so an unknown GUID can be reported by name rather than
treated as corrupt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KnownGuid:
    """A GUID with a human name and where it is defined (repository path, or spec)."""

    guid: uuid.UUID
    name: str
    source: str

    @property
    def raw(self) -> bytes:
        """The 16 bytes as they appear in a flash image."""
        return self.guid.bytes_le


def _known(text: str, name: str, source: str) -> KnownGuid:
    return KnownGuid(uuid.UUID(text), name, source)


_RESET_VECTOR = "edk2 OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.nasm.inc"

# --- the GUIDed footer table and its entries --------------------------------------------------
FOOTER_TABLE = _known(
    "96b582de-1fb2-45f7-baea-a366c55a082d", "footer table", _RESET_VECTOR
)  # also QEMU hw/i386/pc_sysfw_ovmf.c OVMF_TABLE_FOOTER_GUID
SEV_ES_RESET_BLOCK = _known(
    "00f771de-1a7e-4fcb-890e-68c77e2fb44e", "SEV-ES reset block", _RESET_VECTOR
)  # QEMU target/i386/sev.c SEV_INFO_BLOCK_GUID
SEV_SECRET_BLOCK = _known(
    "4c2eb361-7d9b-4cc3-8081-127c90d3d294", "SEV secret block", _RESET_VECTOR
)  # QEMU target/i386/sev.c SEV_SECRET_GUID
SEV_HASH_TABLE_BLOCK = _known(
    "7255371f-3a3b-4b04-927b-1da6efa8d454", "SEV hash table block", _RESET_VECTOR
)  # QEMU target/i386/sev.c SEV_HASH_TABLE_RV_GUID
SEV_METADATA_OFFSET = _known(
    "dc886566-984a-4798-a75e-5585a7bf67cc", "SEV metadata offset", _RESET_VECTOR
)  # edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.nasm.inc (OvmfSevMetadataGuid)
TDX_METADATA_OFFSET = _known(
    "e47a6535-984a-4798-865e-4685a7bf8ec2", "TDX metadata offset", _RESET_VECTOR
)  # QEMU hw/i386/tdvf.c TDX_METADATA_OFFSET_GUID
IGVM_METADATA_OFFSET = _known(
    "784fa70e-3176-4677-8a20-04b68699e374", "IGVM metadata offset", _RESET_VECTOR
)  # edk2 >= edk2-stable202511 (commit 313004a57f)
SVSM_INFO = _known(
    "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd",
    "SVSM info block",
    "coconut-svsm qemu target/i386/sev.c (SVSM_INFO_GUID)",
)

FOOTER_ENTRY_GUIDS: tuple[KnownGuid, ...] = (
    SEV_ES_RESET_BLOCK,
    SEV_SECRET_BLOCK,
    SEV_HASH_TABLE_BLOCK,
    SEV_METADATA_OFFSET,
    TDX_METADATA_OFFSET,
    IGVM_METADATA_OFFSET,
    SVSM_INFO,
)

# --- descriptors the footer entries point at ---------------------------------------------------
TDX_METADATA = _known(
    "e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae",
    "TDX metadata (precedes 'TDVF')",
    "edk2 OvmfPkg/ResetVector/X64/IntelTdxMetadata.nasm.inc (TdxMetadataGuid)",
)

# --- the SEV kernel-hash table QEMU writes into guest memory (not in the image) -----------------
_HASHES = "edk2 OvmfPkg/AmdSev/BlobVerifierLibSevHashes/BlobVerifierSevHashes.c"
SEV_HASH_TABLE_HEADER = _known("9438d606-4f22-4cc9-b479-a793d411fd21", "SEV hash table", _HASHES)
SEV_CMDLINE_HASH = _known("97d02dd8-bd20-4c94-aa78-e7714d36ab2a", "cmdline hash", _HASHES)
SEV_INITRD_HASH = _known("44baf731-3a2f-4bd7-9af1-41e29169781d", "initrd hash", _HASHES)
SEV_KERNEL_HASH = _known("4de79437-abd2-427f-b835-d5b172d2045b", "kernel hash", _HASHES)

# --- firmware volumes (PI spec vol. 3; edk2 MdePkg/Include/Guid/*.h) ---------------------------
FFS2 = _known(
    "8c8ce578-8a3d-4f1c-9935-896185c32dd3",
    "firmware file system v2",
    "edk2 MdePkg/Include/Guid/FirmwareFileSystem2.h",
)
FFS3 = _known(
    "5473c07a-3dcb-4dca-bd6f-1e9689e7349a",
    "firmware file system v3",
    "edk2 MdePkg/Include/Guid/FirmwareFileSystem3.h",
)
SYSTEM_NV_DATA_FV = _known(
    "fff12b8d-7696-4c8b-a985-2747075b4f50",
    "system NV data (variable store) volume",
    "edk2 MdePkg/Include/Guid/SystemNvDataGuid.h",
)
AUTHENTICATED_VARIABLE = _known(
    "aaf32c78-947b-439a-a180-2e144ec37792",
    "authenticated variable store",
    "edk2 MdePkg/Include/Guid/VariableFormat.h (gEfiAuthenticatedVariableGuid)",
)
VARIABLE = _known(
    "ddcf3616-3275-4164-98b6-fe85707ffe7d",
    "variable store",
    "edk2 MdePkg/Include/Guid/VariableFormat.h (gEfiVariableGuid)",
)

KNOWN_GUIDS: dict[uuid.UUID, KnownGuid] = {
    known.guid: known
    for known in (
        FOOTER_TABLE,
        *FOOTER_ENTRY_GUIDS,
        TDX_METADATA,
        SEV_HASH_TABLE_HEADER,
        SEV_CMDLINE_HASH,
        SEV_INITRD_HASH,
        SEV_KERNEL_HASH,
        FFS2,
        FFS3,
        SYSTEM_NV_DATA_FV,
        AUTHENTICATED_VARIABLE,
        VARIABLE,
    )
}


def guid_from_raw(raw: bytes) -> uuid.UUID:
    """The GUID stored in 16 image bytes (EFI mixed-endian layout)."""
    return uuid.UUID(bytes_le=bytes(raw[:16]))


def describe_guid(guid: uuid.UUID) -> str:
    """The GUID's name, or ``unknown GUID`` for one this reader does not know."""
    known = KNOWN_GUIDS.get(guid)
    return known.name if known else "unknown GUID"
