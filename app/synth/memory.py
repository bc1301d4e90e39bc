"""Guest-physical address bookkeeping for the synthesizer.

The addresses in a synthesized log must be consistent the way real ones are: a legacy bounce
buffer freed by one request is the first candidate for the next (``AllocatePages`` with
``AllocateMaxAddress`` hands out the highest free pages below the limit), and a MAP_INFO freed
by Unmap is the next one ``AllocatePool`` returns (the DXE pool keeps LIFO free lists per size).
Both allocators here keep only free extents, so memory stays bounded for any request count.

Address plan for the 1 GiB guests of the base logs (all below the images the base logs load):

* reserved pool        0x3D000000 .. 0x3D595000
* MAP_INFO pool pages  0x3CFF0000 .. 0x3D000000 (grows down in 64 KiB blocks)
* legacy pages         below 0x3CF00000, downward
* caller buffers       0x38000000 .. (request headers, data buffers, device contexts)
"""

from __future__ import annotations

import bisect

PAGE = 0x1000
POOL_BASE = 0x3D000000
MAP_INFO_TOP = 0x3D000000
LEGACY_TOP = 0x3CF00000
LEGACY_FLOOR = 0x39000000
CALLER_BASE = 0x38000000
ABOVE_4G_BASE = 0x17F000000
MAP_INFO_BLOCK = 0x10000
MAP_INFO_BIN = 0x80
POOL_HEADER = 0x18


class PageAllocator:
    """Highest-fit page allocator below ``top`` (like ``AllocateMaxAddress``), with reuse."""

    def __init__(self, top: int, floor: int) -> None:
        self.floor = floor
        self.low = top  # everything in [low, top) was handed out at some point
        self._starts: list[int] = []  # free extents inside [low, top), sorted by start
        self._ends: list[int] = []

    def allocate(self, pages: int) -> int:
        size = pages * PAGE
        for i in range(len(self._starts) - 1, -1, -1):
            start, end = self._starts[i], self._ends[i]
            if end - start >= size:
                address = end - size
                if address == start:
                    del self._starts[i], self._ends[i]
                else:
                    self._ends[i] = address
                return address
        if self.low - size < self.floor:
            raise MemoryError("synthesizer legacy region exhausted")
        self.low -= size
        return self.low

    def free(self, address: int, pages: int) -> None:
        end = address + pages * PAGE
        i = bisect.bisect_left(self._starts, address)
        if i > 0 and self._ends[i - 1] == address:
            i -= 1
            self._ends[i] = end
        else:
            self._starts.insert(i, address)
            self._ends.insert(i, end)
        if i + 1 < len(self._starts) and self._starts[i + 1] == self._ends[i]:
            self._ends[i] = self._ends[i + 1]
            del self._starts[i + 1], self._ends[i + 1]
        if self._starts and self._starts[0] == self.low:
            self.low = self._ends[0]
            del self._starts[0], self._ends[0]


class MapInfoPool:
    """Addresses ``AllocatePool (sizeof (MAP_INFO))`` returns: fixed bins, LIFO reuse."""

    def __init__(self, top: int = MAP_INFO_TOP) -> None:
        self._block = top - MAP_INFO_BLOCK
        self._next = self._block
        self._free: list[int] = []

    def allocate(self) -> int:
        if self._free:
            return self._free.pop()
        if self._next + MAP_INFO_BIN > self._block + MAP_INFO_BLOCK:
            self._block -= MAP_INFO_BLOCK
            self._next = self._block
        address = self._next + POOL_HEADER
        self._next += MAP_INFO_BIN
        return address

    def free(self, address: int) -> None:
        self._free.append(address)


class CallerBuffers:
    """Addresses of the callers' own (private) buffers: headers, data, device contexts."""

    def __init__(self, base: int = CALLER_BASE) -> None:
        self._next = base

    def take(self, nbytes: int, align: int = 0x10) -> int:
        address = (self._next + align - 1) & ~(align - 1)
        self._next = address + max(nbytes, 1)
        return address

    def pages(self, pages: int) -> int:
        return self.take(pages * PAGE, PAGE)
