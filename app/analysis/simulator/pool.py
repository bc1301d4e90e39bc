"""The reserved shared-memory pool of IoMmuDxe (edk2 >= edk2-stable202302).

``IoMmuInitReservedSharedMem`` carves one ``AllocatePages`` block into 17 slots, each a 4 KiB
private header page followed by a shared data area. Ranges, from the pool base (see
``OvmfPkg/IoMmuDxe/IoMmuBuffer.c``, ``mReservedMemRanges``):

====== ======= ===== ========= ==================
range  bits    slots data size request pages
====== ======= ===== ========= ==================
0      0-3     4     4 KiB     1
1      4-11    8     32 KiB    2-8
2      12-13   2     128 KiB   9-32
3      14      1     1 MiB     33-256
4      15-16   2     2 MiB     257-512
====== ======= ===== ========= ==================

The model keeps the bitmap and who owns each slot, so it can tell a fallback to the legacy
path caused by exhaustion (POOL-001) from one caused by size, and spot one slot handed to two
live users (POOL-002, the 1 MiB/2 MiB mask bug fixed in edk2-stable202511).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.model import PAGE_SIZE

HEADER_SIZE = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class PoolRange:
    index: int
    shift: int
    slots: int
    data_size: int

    @property
    def label(self) -> str:
        size = self.data_size
        return f"{size >> 20}M" if size >= 1 << 20 else f"{size >> 10}K"

    @property
    def data_pages(self) -> int:
        return self.data_size // PAGE_SIZE


POOL_RANGES = (
    PoolRange(0, 0, 4, 0x1000),
    PoolRange(1, 4, 8, 0x8000),
    PoolRange(2, 12, 2, 0x20000),
    PoolRange(3, 14, 1, 0x100000),
    PoolRange(4, 15, 2, 0x200000),
)
POOL_SIZE = sum(r.slots * (HEADER_SIZE + r.data_size) for r in POOL_RANGES)
POOL_PAGES = POOL_SIZE // PAGE_SIZE  # 1429
SLOT_COUNT = sum(r.slots for r in POOL_RANGES)  # 17


@dataclass(frozen=True, slots=True)
class PoolSlot:
    """One slot: bitmap ``bit``, its private ``header`` page and shared ``[data, data_end)``."""

    bit: int
    range: PoolRange
    header: int
    data: int
    data_end: int


def pool_layout(base: int) -> tuple[PoolSlot, ...]:
    """The 17 slots of a pool starting at ``base``, in bit order."""
    out = []
    cursor = base
    for rng in POOL_RANGES:
        stride = HEADER_SIZE + rng.data_size
        for i in range(rng.slots):
            header = cursor + i * stride
            out.append(PoolSlot(rng.shift + i, rng, header, header + HEADER_SIZE, header + stride))
        cursor += rng.slots * stride
    return tuple(out)


def range_for_pages(pages: int) -> PoolRange | None:
    """The range ``InternalAllocateBuffer`` picks for ``pages`` (None: too big, legacy)."""
    if pages <= 0:
        return None
    for rng in POOL_RANGES:
        if pages <= rng.data_pages:
            return rng
    return None


def base_from_slot(address: int, bits: int) -> int | None:
    """Infer the pool base from one ``start-address``/``bits`` pair of a slot line."""
    if bits <= 0 or bits & (bits - 1):
        return None
    bit = bits.bit_length() - 1
    offset = 0
    for rng in POOL_RANGES:
        stride = HEADER_SIZE + rng.data_size
        if rng.shift <= bit < rng.shift + rng.slots:
            return address - offset - (bit - rng.shift) * stride - HEADER_SIZE
        offset += rng.slots * stride
    return None


class PoolModel:
    """Bitmap and slot owners of the pool; ``owner`` is an opaque token (mapping or buffer)."""

    __slots__ = (
        "base",
        "slots",
        "by_data",
        "bitmap",
        "owners",
        "taken",
        "peak_used",
        "fallbacks",
        "released",
    )

    def __init__(self, base: int) -> None:
        self.base = base
        self.slots = pool_layout(base)
        self.by_data = {s.data: s for s in self.slots}
        self.bitmap = 0
        self.owners: dict[int, object] = {}
        self.taken = 0
        self.peak_used = 0
        self.fallbacks = 0
        self.released = False

    @property
    def end(self) -> int:
        return self.base + POOL_SIZE

    def contains(self, address: int) -> bool:
        return self.base <= address < self.base + POOL_SIZE

    def slot_at(self, data_address: int) -> PoolSlot | None:
        return self.by_data.get(data_address)

    def take(self, slot: PoolSlot, owner: object) -> object | None:
        """Mark ``slot`` busy for ``owner``; return the previous live owner, if any."""
        previous = self.owners.get(slot.bit)
        self.owners[slot.bit] = owner
        self.bitmap |= 1 << slot.bit
        self.taken += 1
        used = len(self.owners)
        if used > self.peak_used:
            self.peak_used = used
        return previous

    def claim(
        self, address: int, bits: int, bitmap_before: int, owner: object
    ) -> tuple[PoolSlot | None, bool]:
        """An ``InternalAllocateBuffer`` slot line: (the slot, whether it was still busy -
        by our model or by the logged bitmap)."""
        slot = self.by_data.get(address)
        if slot is None or 1 << slot.bit != bits:
            return None, False
        busy = self.owners.get(slot.bit) is not None or bool(bitmap_before & bits)
        self.take(slot, owner)
        return slot, busy

    def free(self, bit: int) -> None:
        self.owners.pop(bit, None)
        self.bitmap &= ~(1 << bit)

    def is_full(self, rng: PoolRange) -> bool:
        mask = ((1 << rng.slots) - 1) << rng.shift
        return self.bitmap & mask == mask
