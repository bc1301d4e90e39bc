"""IoMmuDxe's reserved shared-memory pool (edk2 >= 202302), slot by slot and bit by bit.

The pool is one block carved into 17 slots in five ranges (4K x4, 32K x8, 128K x2, 1M x1,
2M x2), each slot a private 4 KiB header page followed by a shared data area. A request takes
the smallest range whose data size fits, and the lowest free bit in it; a full range falls back
to the legacy allocator. Before edk2-stable202511 the 1M and 2M masks were ``0x40000`` and
``0x180000`` (wrong bits), so those ranges never look busy and concurrent requests get the same
slot: this module reproduces that algorithm literally, so the bug appears by itself.
See IoMmuBuffer.c (``mReservedMemRanges``, ``InternalAllocateBuffer``).
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE = 0x1000
HEADER = 0x1000


@dataclass(frozen=True, slots=True)
class PoolRange:
    """One range of equally sized slots, as in ``mReservedMemRanges``."""

    mask: int
    shift: int
    slots: int
    data_size: int

    @property
    def stride(self) -> int:
        return HEADER + self.data_size

    @property
    def data_pages(self) -> int:
        return self.data_size // PAGE


FIXED_RANGES = (
    PoolRange(0xF, 0, 4, 0x1000),
    PoolRange(0xFF0, 4, 8, 0x8000),
    PoolRange(0x3000, 12, 2, 0x20000),
    PoolRange(0x4000, 14, 1, 0x100000),
    PoolRange(0x18000, 15, 2, 0x200000),
)
#: the masks before e27cfda33b (edk2-stable202511): 1M and 2M point at the wrong bits
BUGGY_RANGES = FIXED_RANGES[:3] + (
    PoolRange(0x40000, 14, 1, 0x100000),
    PoolRange(0x180000, 15, 2, 0x200000),
)
TOTAL_PAGES = sum(r.stride * r.slots for r in FIXED_RANGES) // PAGE  # 1429
SIZE_NAMES = {"4K": 0, "32K": 1, "128K": 2, "1M": 3, "2M": 4}


@dataclass(frozen=True, slots=True)
class PoolGrant:
    """What one ``InternalAllocateBuffer`` pool hit prints and returns."""

    range_size: int
    start: int
    pages: int
    bit: int
    old: int
    new: int


class ReservedPool:
    """The 17-slot pool at ``base`` with the bitmap algorithm of the given edk2 release."""

    def __init__(self, base: int, edk2: str) -> None:
        self.base = base
        self.ranges = FIXED_RANGES if edk2 >= "202511" else BUGGY_RANGES
        self.bitmap = 0
        starts = []
        address = base
        for r in self.ranges:
            starts.append(address)
            address += r.slots * r.stride
        self.range_starts = tuple(starts)
        self.end = address

    def slot_data(self, range_index: int, slot: int) -> int:
        """Address of the shared data area of one slot."""
        r = self.ranges[range_index]
        return self.range_starts[range_index] + slot * r.stride + HEADER

    def data_areas(self) -> list[tuple[int, int]]:
        """(address, pages) of the 17 data areas, in init/release order."""
        return [
            (self.slot_data(i, s), r.data_pages)
            for i, r in enumerate(self.ranges)
            for s in range(r.slots)
        ]

    def range_for(self, pages: int) -> int | None:
        """Index of the smallest range whose data size holds ``pages``, else None."""
        last = 0
        for i, r in enumerate(self.ranges):
            if last < pages <= r.data_pages:
                return i
            last = r.data_pages
        return None

    def allocate(self, pages: int) -> PoolGrant | None:
        """Take a slot for ``pages`` pages, or None when the request falls back to legacy."""
        index = self.range_for(pages)
        if index is None:
            return None
        r = self.ranges[index]
        old = self.bitmap
        if old & r.mask == r.mask:
            return None
        slot_bits = (old & r.mask) >> r.shift
        slot = 0
        while slot < r.slots and slot_bits & ((1 << slot) & 0xFF):
            slot += 1
        bit = 1 << (slot + r.shift)
        self.bitmap = old | bit
        return PoolGrant(r.data_size, self.slot_data(index, slot), pages, bit, old, self.bitmap)

    def release(self, bit: int) -> tuple[int, int]:
        """Clear ``bit``; returns the bitmap before and after, as the free lines print it."""
        old = self.bitmap
        self.bitmap = old & ~bit & 0xFFFFFFFF
        return old, self.bitmap
