"""A model of IoMmuDxe that prints what the real driver prints, in the real order.

Map: request line on entry, MAP_INFO from the pool, bounce buffer (pool slot with its
``InternalAllocateBuffer`` line, or legacy pages converted to shared), result line, then
PciBusDxe's ``SetAttribute`` (edk2 >= 202402, PCI only). Unmap: ``SetAttribute Access=0``,
``IoMmuUnmapWorker``, re-encryption on the legacy path, then the pool bit or pages released
(not while the memory map is locked). ExitBootServices: ``IoMmuExitBoot``,
``IoMmuUnmapAllMappings``, every live mapping newest first with ``MemoryMapLocked=1``, then the
17 pool areas re-encrypted. Order taken from ``OvmfPkg/IoMmuDxe/CcIoMmu.c`` and ``IoMmuBuffer.c``.

Pool anomalies that arise (a full range falling back, two live holders of one slot) are
recorded as faults in the ground truth whether or not a fault injection caused them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.synth import lines
from app.synth.encryption import PageStateLines
from app.synth.memory import (
    ABOVE_4G_BASE,
    LEGACY_FLOOR,
    LEGACY_TOP,
    MapInfoPool,
    PageAllocator,
)
from app.synth.pool import TOTAL_PAGES, ReservedPool
from app.synth.truth import AllocationRecord, FaultRecord, MappingRecord, TruthSink

PAGE = 0x1000
BOUNCE_OPS = frozenset({"Read", "Write", "Read64", "Write64"})
ACCESS = {"Read": 1, "Write": 2, "CommonBuffer": 3, "Read64": 1, "Write64": 2, "CommonBuffer64": 3}


def pages_of(nbytes: int) -> int:
    return (nbytes + PAGE - 1) // PAGE


@dataclass
class Buffer:
    """A live AllocateBuffer result."""

    host: int
    pages: int
    stash: int
    bits: int
    record: AllocationRecord


@dataclass
class Mapping:
    """A live Map result."""

    address: int
    operation: str
    host: int
    nbytes: int
    pages: int
    plain: int
    bits: int
    pci: bool
    record: MappingRecord
    enc_range: tuple[int, int] | None = None
    enc_missing: bool = False
    extra: dict[str, int] = field(default_factory=dict)


class IoMmu:
    """IoMmuDxe state: pool, allocators, live mappings; prints through ``emit``."""

    def __init__(
        self,
        platform: str,
        edk2: str,
        pool: ReservedPool | None,
        emit: Callable[[str], int],
        sink: TruthSink,
    ) -> None:
        self.edk2 = edk2
        self.emit = emit
        self.sink = sink
        self.pool = pool
        self.pages = PageStateLines(platform, edk2, emit)
        self.legacy = PageAllocator(LEGACY_TOP, LEGACY_FLOOR)
        self.high = PageAllocator(ABOVE_4G_BASE + 0x10000000, ABOVE_4G_BASE)
        self.map_infos = MapInfoPool()
        self.live: dict[int, Mapping] = {}
        self.buffers: dict[int, Buffer] = {}
        self.set_attribute = edk2 >= "202402"
        self._slot_holders: dict[int, int] = {}
        self.device = ""

    # -- pool -----------------------------------------------------------------------------

    def init_pool(self) -> None:
        """Lines printed between the IoMmu protocol install and the 'Feature' line."""
        assert self.pool is not None
        self.emit(lines.reserved_mem(TOTAL_PAGES, self.pool.base))
        for address, pages in self.pool.data_areas():
            self.pages.convert(address, pages, shared=True)

    def _pool_take(self, pages: int, request_line: int) -> tuple[int, int] | None:
        """A pool slot for ``pages``: (address, bit), or None (legacy), recording anomalies."""
        if self.pool is None:
            return None
        range_index = self.pool.range_for(pages)
        grant = self.pool.allocate(pages)
        if grant is None:
            if range_index is not None:
                self._anomaly("pool-exhaustion", [request_line])
            return None
        line = self.emit(
            lines.internal_allocate(
                grant.range_size, grant.start, grant.pages, grant.bit, grant.old, grant.new
            )
        )
        holders = self._slot_holders.get(grant.start, 0)
        if holders:
            self._anomaly("duplicate-slot", [request_line, line])
        self._slot_holders[grant.start] = holders + 1
        return grant.start, grant.bit

    def _pool_drop(self, address: int) -> None:
        left = self._slot_holders.get(address, 1) - 1
        if left:
            self._slot_holders[address] = left
        else:
            self._slot_holders.pop(address, None)

    def _anomaly(self, kind: str, at: list[int]) -> None:
        rule = "POOL-001" if kind == "pool-exhaustion" else "POOL-002"
        self.sink.add_fault(FaultRecord(kind, rule, at, self.device))

    # -- AllocateBuffer / FreeBuffer ------------------------------------------------------

    def allocate_buffer(
        self, pages: int, attributes: int = 0x800, above_4g: bool = False
    ) -> Buffer:
        first = self.emit(lines.allocate_buffer_request(4, pages, attributes))
        stash = self.legacy.allocate(pages)
        taken = None if above_4g else self._pool_take(pages + 1, first)
        if taken is not None:
            host, bits = taken
        else:
            allocator = self.high if above_4g else self.legacy
            host, bits = allocator.allocate(pages + 1) + PAGE, 0
        result = self.emit(lines.allocate_buffer_result(host, stash))
        path = "pool" if bits else "legacy"
        record = AllocationRecord(host, pages, self.device, path, first, result)
        self.sink.add_allocation(record)
        buffer = Buffer(host, pages, stash, bits, record)
        self.buffers[host] = buffer
        return buffer

    def free_buffer(self, buffer: Buffer) -> int:
        line = self.emit(lines.free_buffer(buffer.host, buffer.pages))
        self.legacy.free(buffer.stash, buffer.pages)
        if buffer.bits:
            assert self.pool is not None
            old, new = self.pool.release(buffer.bits)
            self.emit(lines.free_common(buffer.host, buffer.bits, old, new))
            self._pool_drop(buffer.host)
        elif buffer.host >= 1 << 32:
            self.high.free(buffer.host - PAGE, buffer.pages + 1)
        else:
            self.legacy.free(buffer.host - PAGE, buffer.pages + 1)
        buffer.record.free_line = line
        self.sink.allocation_done(buffer.record)
        self.buffers.pop(buffer.host, None)
        return line

    # -- Map / Unmap ------------------------------------------------------------------------

    def map(
        self,
        operation: str,
        host: int,
        nbytes: int,
        buffer: Buffer | None = None,
        pci: bool = True,
        enc_range: tuple[int, int] | None = None,
        enc_missing: bool = False,
    ) -> Mapping:
        first = self.emit(lines.map_request(operation, host, nbytes))
        address = self.map_infos.allocate()
        pages = pages_of(nbytes)
        if operation in BOUNCE_OPS:
            taken = self._pool_take(pages, first)
            plain, bits = taken if taken is not None else (self.legacy.allocate(pages), 0)
        else:
            plain, bits = host, (buffer.bits if buffer is not None else 0)
        enc_line = 0
        if bits == 0 and not enc_missing:
            start, count = enc_range if enc_range is not None else (plain, pages)
            enc_line = self.pages.convert(start, count, shared=True)
        result = self.emit(lines.map_result(self.edk2, address, plain, host, pages, bits))
        if pci and self.set_attribute:
            self.emit(lines.set_attribute(address, ACCESS[operation]))
        path = "pool" if bits else "legacy"
        record = MappingRecord(address, self.device, operation, nbytes, pages, path, first, result)
        mapping = Mapping(address, operation, host, nbytes, pages, plain, bits, pci, record)
        mapping.enc_range, mapping.enc_missing = enc_range, enc_missing
        if enc_line:
            mapping.extra["enc_line"] = enc_line
        self.sink.add_mapping(record)
        self.live[address] = mapping
        return mapping

    def map_request_only(self, operation: str, host: int, nbytes: int) -> int:
        """The entry line of a Map that never returns (the log stops or asserts)."""
        return self.emit(lines.map_request(operation, host, nbytes))

    def unmap(self, mapping: Mapping, locked: bool = False) -> int:
        if mapping.pci and self.set_attribute and not locked:
            self.emit(lines.set_attribute(mapping.address, 0))
        line = self.emit(lines.unmap_worker(mapping.address, locked))
        if mapping.bits == 0 and not mapping.enc_missing:
            start, count = mapping.enc_range or (mapping.plain, mapping.pages)
            self.pages.convert(start, count, shared=False)
        if mapping.operation in BOUNCE_OPS and not locked:
            if mapping.bits:
                assert self.pool is not None
                old, new = self.pool.release(mapping.bits)
                self.emit(lines.free_bounce(mapping.plain, mapping.bits, old, new))
                self._pool_drop(mapping.plain)
            else:
                self.legacy.free(mapping.plain, mapping.pages)
        if not locked:
            self.map_infos.free(mapping.address)
        self.live.pop(mapping.address, None)
        mapping.record.unmap_line = line
        self.sink.mapping_done(mapping.record)
        return line

    def stray_unmap(self, address: int, pci: bool) -> int:
        """An Unmap of something that is not a live mapping: only the entry lines print."""
        if pci and self.set_attribute:
            self.emit(lines.set_attribute(address, 0))
        return self.emit(lines.unmap_worker(address, False))

    # -- ExitBootServices -----------------------------------------------------------------

    def exit_boot(self) -> None:
        self.emit(lines.exit_boot())
        self.emit(lines.unmap_all())
        for mapping in reversed(list(self.live.values())):
            self.unmap(mapping, locked=True)
        if self.pool is not None:
            for address, pages in self.pool.data_areas():
                self.pages.convert(address, pages, shared=False)

    def finish(self) -> None:
        """Hand the still-open records to the truth stream (boot ended without teardown)."""
        for mapping in self.live.values():
            self.sink.mapping_done(mapping.record)
        for buffer in self.buffers.values():
            self.sink.allocation_done(buffer.record)
