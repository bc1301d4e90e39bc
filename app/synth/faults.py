"""Stand-alone fault episodes: short IoMmu sequences that break one rule each.

Faults that bend a normal request (leak, double-unmap, free-mapped, truncated, assert) are
applied by the request runner in ``devices``; the rest are episodes run right after a chosen
request. Each episode returns the log lines a reviewer should be pointed at; pool anomalies
(exhaustion, duplicate slot) are recorded by the IoMmu model itself when they happen.
"""

from __future__ import annotations

from collections.abc import Callable

from app.synth import lines
from app.synth.iommu import IoMmu, Mapping
from app.synth.memory import CallerBuffers
from app.synth.pool import SIZE_NAMES
from app.synth.workload import FaultSpec

PAGE = 0x1000
LEGACY_ONLY_BYTES = 0x201000  # 513 pages: more than any pool slot holds


class Episodes:
    """Runs the stand-alone fault episodes against one IoMmu model."""

    def __init__(self, io: IoMmu, caller: CallerBuffers, emit: Callable[[str], int]) -> None:
        self.io = io
        self.caller = caller
        self.emit = emit

    def run(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        kind = fault.kind.replace("-", "_").replace("4g", "4G")
        handler: Callable[[FaultSpec, bool, int], list[int]] = getattr(self, "_" + kind)
        return handler(fault, pci, size)

    def _unknown_unmap(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        address = self.caller.take(0x60, 0x20) + 0x18
        return [self.io.stray_unmap(address, pci)]

    def _unknown_free(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        return [self.emit(lines.free_buffer(self.caller.pages(1), 1))]

    def _free_mapped(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        buffer = self.io.allocate_buffer(1)
        mapping = self.io.map("CommonBuffer", buffer.host, PAGE, buffer, pci)
        line = self.io.free_buffer(buffer)
        self.io.unmap(mapping)
        return [line]

    def _commonbuffer_not_allocated(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        host = self.caller.pages(1)
        mapping = self.io.map("CommonBuffer", host, PAGE, None, pci)
        self.io.unmap(mapping)
        return [mapping.record.request_line, mapping.record.result_line]

    def _above_4G(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        pages = 600
        buffer = self.io.allocate_buffer(pages, 0x800, above_4g=True)
        mapping = self.io.map("CommonBuffer", buffer.host, pages * PAGE, buffer, pci)
        self.io.unmap(mapping)
        self.io.free_buffer(buffer)
        return [mapping.record.request_line, mapping.record.result_line, buffer.record.result_line]

    def _burst(self, pages: int, count: int, pci: bool) -> list[Mapping]:
        host = self.caller.pages(pages)
        return [self.io.map("Write", host, pages * PAGE, None, pci) for _ in range(count)]

    def _pool_exhaustion(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        pool = self.io.pool
        assert pool is not None
        index = SIZE_NAMES[fault.size or "128K"]
        r = pool.ranges[index]
        busy = bin((pool.bitmap & r.mask) >> r.shift).count("1")
        maps = self._burst(r.data_pages, r.slots - busy + 1, pci)
        for mapping in reversed(maps):
            self.io.unmap(mapping)
        last = maps[-1].record
        return [last.request_line, last.result_line]

    def _duplicate_slot(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        pages = 512 if fault.size == "2M" else 256
        maps = self._burst(pages, 2, pci)
        for mapping in reversed(maps):
            self.io.unmap(mapping)
        second = maps[-1].record
        return [second.request_line, second.result_line]

    def _shared_range(self) -> tuple[int, int]:
        for mapping in reversed(list(self.io.live.values())):
            if mapping.bits == 0 and not mapping.enc_missing and mapping.enc_range is None:
                return mapping.plain, mapping.pages
        if self.io.pool is not None:
            return self.io.pool.slot_data(1, 7), 8
        address = self.io.legacy.allocate(1)
        self.io.pages.convert(address, 1, shared=True)
        return address, 1

    def _redundant_decrypt(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        address, pages = self._shared_range()
        return [self.io.pages.convert(address, pages, shared=True)]

    def _redundant_encrypt(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        if self.io.buffers:
            buffer = next(iter(self.io.buffers.values()))
            return [self.io.pages.convert(buffer.stash, 1, shared=False)]
        address = self.io.legacy.allocate(1)
        line = self.io.pages.convert(address, 1, shared=False)
        self.io.legacy.free(address, 1)
        return [line]

    def _shared_at_handoff(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        address = self.io.legacy.allocate(2)
        return [self.io.pages.convert(address, 2, shared=True)]

    def _state_mismatch(self, fault: FaultSpec, pci: bool, size: int) -> list[int]:
        nbytes = LEGACY_ONLY_BYTES if self.io.pool is not None else max(size, 0x200)
        host = self.caller.pages(1)
        if fault.variant == "missing":
            mapping = self.io.map("Read", host, nbytes, None, pci, enc_missing=True)
            self.io.unmap(mapping)
            return [mapping.record.result_line]
        pages = (nbytes + PAGE - 1) // PAGE
        wrong = self.io.legacy.allocate(pages)
        self.io.legacy.free(wrong, pages)
        mapping = self.io.map(
            "Read", host, nbytes, None, pci, enc_range=(wrong + pages * PAGE, pages)
        )
        self.io.unmap(mapping)
        return [mapping.record.result_line, mapping.extra.get("enc_line", 0)]
