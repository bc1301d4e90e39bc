"""Build flash images byte by byte for the malformed-image tests.

Layouts are written out with ``struct`` here, independently of the reader's ctypes classes, so
a wrong layout in the reader cannot be mirrored by the test data.
"""

from __future__ import annotations

import struct
import uuid

MIB = 1 << 20
FOOTER = uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d")
RESET = uuid.UUID("00f771de-1a7e-4fcb-890e-68c77e2fb44e")
SECRET = uuid.UUID("4c2eb361-7d9b-4cc3-8081-127c90d3d294")
HASHES = uuid.UUID("7255371f-3a3b-4b04-927b-1da6efa8d454")
SEV_META = uuid.UUID("dc886566-984a-4798-a75e-5585a7bf67cc")
TDX_META = uuid.UUID("e47a6535-984a-4798-865e-4685a7bf8ec2")
TDX_GUID = uuid.UUID("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae")
NV_FV = uuid.UUID("fff12b8d-7696-4c8b-a985-2747075b4f50")
FFS2 = uuid.UUID("8c8ce578-8a3d-4f1c-9935-896185c32dd3")

# Where the descriptors go, counted from the end of the image (as in Debian's OVMF_CODE.fd).
ASEV_FROM_END = 0x52C
TDVF_FROM_END = 0x840

# The Debian OVMF_CODE.fd sections, as (base, size, type) and TDVF tuples.
SNP_SECTIONS = [
    (0x800000, 0x9000, 1),
    (0x80A000, 0x3000, 1),
    (0x80D000, 0x1000, 2),
    (0x80E000, 0x1000, 3),
    (0x80F000, 0x11000, 1),
]


def tdx_sections(size: int) -> list[tuple[int, int, int, int, int, int]]:
    """BFV = the whole (unified) image, one TD_HOB, one TEMP_MEM."""
    return [
        (0, size, (1 << 32) - size, size, 0, 1),
        (0, 0, 0x809000, 0x2000, 2, 0),
        (0, 0, 0x800000, 0x6000, 3, 0),
    ]


def entry(guid: uuid.UUID, payload: bytes, length: int | None = None) -> bytes:
    """payload | u16 length | GUID; ``length`` overrides the true length."""
    true = len(payload) + 18
    return payload + struct.pack("<H", true if length is None else length) + guid.bytes_le


def u32(*values: int) -> bytes:
    return b"".join(struct.pack("<I", v) for v in values)


def asev(
    sections: list[tuple[int, int, int]],
    *,
    signature: bytes = b"ASEV",
    version: int = 1,
    length: int | None = None,
    count: int | None = None,
) -> bytes:
    body = b"".join(struct.pack("<III", *s) for s in sections)
    n = len(sections) if count is None else count
    total = 16 + 12 * len(sections) if length is None else length
    return signature + struct.pack("<III", total, version, n) + body


def tdvf(
    sections: list[tuple[int, int, int, int, int, int]],
    *,
    signature: bytes = b"TDVF",
    version: int = 1,
    length: int | None = None,
    count: int | None = None,
    guid: bool = True,
) -> bytes:
    body = b"".join(struct.pack("<IIQQII", *s) for s in sections)
    n = len(sections) if count is None else count
    total = 16 + 32 * len(sections) if length is None else length
    head = TDX_GUID.bytes_le if guid else b"\0" * 16
    return head + signature + struct.pack("<III", total, version, n) + body


def standard_entries() -> list[bytes]:
    """The five entries of Debian's OVMF_CODE.fd, start of the table first."""
    return [
        entry(TDX_META, u32(TDVF_FROM_END)),
        entry(SEV_META, u32(ASEV_FROM_END)),
        entry(HASHES, u32(0, 0)),
        entry(SECRET, u32(0, 0)),
        entry(RESET, u32(0x0080B004)),
    ]


def image(
    entries: list[bytes] | None = None,
    *,
    size: int = MIB,
    asev_bytes: bytes | None = None,
    tdvf_bytes: bytes | None = None,
    table_length: int | None = None,
    first_volume: uuid.UUID | None = FFS2,
) -> bytes:
    """A ``size``-byte image: a volume header at 0, the descriptors at their offsets from the
    end, and the footer table (``entries`` in table order, start first) ending at size-50."""
    data = bytearray(size)
    if first_volume is not None:
        data[16:32] = first_volume.bytes_le
        data[32:40] = struct.pack("<Q", size)
        data[40:44] = b"_FVH"
    if entries is None:
        entries = standard_entries()
    if asev_bytes is None and entries is not None:
        asev_bytes = asev(SNP_SECTIONS)
    if tdvf_bytes is None:
        tdvf_bytes = tdvf(tdx_sections(size))
    _put(data, size - ASEV_FROM_END, asev_bytes)
    _put(data, size - TDVF_FROM_END - 16, tdvf_bytes)
    table = b"".join(entries)
    length = len(table) + 18 if table_length is None else table_length
    end = size - 0x32
    data[end - len(table) : end] = table
    data[end : end + 2] = struct.pack("<H", length)
    data[size - 0x30 : size - 0x20] = FOOTER.bytes_le
    data[size - 0x14 : size - 0x10] = b"VTF\0"
    return bytes(data)


def _put(data: bytearray, at: int, blob: bytes) -> None:
    data[at : at + len(blob)] = blob
