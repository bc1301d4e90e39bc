"""A model of OvmfPkg/IoMmuDxe (``CcIoMmu.c`` + ``IoMmuBuffer.c``) driven by its log lines.

It keeps the MAP_INFO table (live mappings by ``Mapping=`` value, plus a bounded memory of
recently unmapped ones), the AllocateBuffer table (header page at ``Host - 0x1000``, stash) and
the reserved pool, and knows which page conversions each operation implies:

* bounce buffers (``Read``/``Write``/``*64``): legacy path - the bounce pages become shared at
  Map and private at Unmap; pool path - the slot is shared already, nothing changes;
* in-place ``CommonBuffer[64]``: the AllocateBuffer pages become shared at Map and private at
  Unmap (legacy), or live in an always-shared pool slot;
* ExitBootServices: every live mapping is unmapped with ``MemoryMapLocked=1`` (re-encrypted,
  nothing freed), then the pool data areas are re-encrypted.

Conversions go to ``TransitionTracker`` as expectations, which checks them against the lines
of the encryption libraries or applies them itself when the log has none. Log order matters:
``IoMmuMap: Operation=`` request, [slot line], [conversion lines], ``IoMmuMap: Mapping=``
result; on unmap ``IoMmuUnmapWorker`` first, then conversion lines, then the slot free line.
"""

from __future__ import annotations

from collections.abc import Callable

from app.analysis.model import (
    IOMMU_OPERATIONS,
    PAGE_SIZE,
    IoMmuAllocateRequest,
    IoMmuAllocateResult,
    IoMmuFree,
    IoMmuMapRequest,
    IoMmuMapResult,
    IoMmuUnmap,
    PageState,
    PoolInit,
    PoolSlotFreed,
    PoolSlotTaken,
    Severity,
)
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator.attribution import Attributor
from app.analysis.simulator.pool import PoolModel, PoolSlot, base_from_slot, range_for_pages
from app.analysis.simulator.records import Buffer, Mapping
from app.analysis.simulator.stats import OP_INDEX, DeviceStats
from app.analysis.simulator.transitions import TransitionTracker

BASE_4GB = 1 << 32
MAX_DEAD = 4096
COMMON = frozenset((2, 5))
BOUNCE_IN = frozenset((0, 3))
BOUNCE_OUT = frozenset((1, 4))


LifetimeSink = Callable[[Mapping, int | None, float | None], None]


class IoMmuModel:
    def __init__(
        self,
        collector: FindingCollector,
        tracker: TransitionTracker,
        attributor: Attributor,
        on_lifetime: LifetimeSink,
        max_records: int = 200_000,
    ) -> None:
        self.collector = collector
        self.tracker = tracker
        self.attributor = attributor
        self.on_lifetime = on_lifetime
        self.live: dict[int, Mapping] = {}
        self.dead: dict[int, Mapping] = {}
        self.buffers: dict[int, Buffer] = {}
        self.pool: PoolModel | None = None
        self.teardown = False
        self.max_records = max_records
        self.records: list[tuple[int, DeviceStats]] = []
        self.records_dropped = 0
        # the pending Map request / AllocateBuffer request, kept as scalars (no allocation)
        self._op = -1
        self._host = 0
        self._bytes = 0
        self._req_line = 0
        self._alloc_pages = -1
        self._alloc_attributes = 0
        self._alloc_line = 0
        self._slot: PoolSlot | None = None
        self.maps = 0
        self.unmaps = 0
        self.legacy_maps = 0
        self.pool_maps = 0
        self.allocations = 0
        self.frees = 0
        self.live_at_ebs = 0
        self.ebs_line: int | None = None

    # -- Map / Unmap ------------------------------------------------------------------------

    def map_request(self, ev: IoMmuMapRequest) -> None:
        tracker = self.tracker
        if tracker.expectations or tracker.orphans:
            tracker.resolve(ev.line, ev.time)
        op = OP_INDEX.get(ev.operation, -1)
        self._op = op
        self._host = ev.host
        self._bytes = ev.bytes
        self._req_line = ev.line
        self._slot = None
        if op == 2:
            end = ev.host + ((ev.bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
            if ev.host > BASE_4GB or end > BASE_4GB:
                self._report_device(
                    "IOMMU-007", ev.line, "CommonBuffer", {"host": ev.host, "bytes": ev.bytes}
                )

    def map_result(self, ev: IoMmuMapResult) -> None:
        op = self._op
        if op < 0:
            op = 2 if ev.device_address == ev.crypted else 0
            self._host, self._bytes, self._req_line = ev.crypted, ev.pages * PAGE_SIZE, ev.line
        self._op = -1
        bits = ev.reserved_bitmap or 0
        line = ev.line
        buffer = self.buffers.get(self._host) if op in COMMON else None
        stats, method = self.attributor.for_map(
            op, self._bytes, buffer.stats if buffer is not None else None, self._req_line
        )
        m = Mapping(
            ev.mapping,
            op,
            self._host,
            self._bytes,
            ev.pages,
            ev.device_address,
            bits,
            self._req_line,
            line,
            ev.time,
            stats,
            buffer,
        )
        self.maps += 1
        stats.methods[method] = stats.methods.get(method, 0) + 1
        stats.maps[op] += 1
        stats.bytes += m.nbytes
        stats.pages += ev.pages
        if op in BOUNCE_IN:
            stats.bounce_bytes += m.nbytes
        if stats.first_line is None:
            stats.first_line = m.request_line
        stats.add_shared(ev.pages, line, ev.time)
        end = ev.device_address + ev.pages * PAGE_SIZE
        if bits == 0:
            self.legacy_maps += 1
            stats.legacy_maps += 1
            tracker = self.tracker
            if not tracker.claim_window(ev.device_address, end, True, stats, line):
                tracker.expect(
                    ev.device_address,
                    end,
                    True,
                    stats,
                    line,
                    what="map",
                    request_line=m.request_line,
                )
            if op not in COMMON:  # a legacy common buffer is AllocateBuffer's doing
                self._check_fallback(op, ev.pages, (m.request_line, line))
        else:
            self.pool_maps += 1
            stats.pool_maps += 1
            slot = self._slot if op not in COMMON else None
            if slot is not None and self.pool is not None:
                self.pool.owners[slot.bit] = m
        self._slot = None
        tracker = self.tracker
        if tracker.expectations or tracker.orphans:
            tracker.resolve(line, ev.time)
        if op in COMMON:
            if buffer is None:
                self._report(
                    "IOMMU-006",
                    (m.request_line, line),
                    f"{stats.label or 'pending'}:{IOMMU_OPERATIONS[op]}",
                    {"host": m.host},
                )
            else:
                buffer.mapped += 1
        elif op < 2 and end > BASE_4GB:
            self._report(
                "IOMMU-007",
                (m.request_line, line),
                f"{stats.label or 'pending'}:{IOMMU_OPERATIONS[op]}",
                {"device_address": ev.device_address, "pages": ev.pages},
            )
        previous = self.live.get(ev.mapping)
        if previous is not None:  # MAP_INFO reused while live: the old one was lost
            self._end(previous, None, None)
        self.live[ev.mapping] = m
        if self.dead:
            self.dead.pop(ev.mapping, None)
        if len(self.records) < self.max_records:
            self.records.append((m.request_line, stats))
        else:
            self.records_dropped += 1

    def unmap(self, ev: IoMmuUnmap) -> None:
        tracker = self.tracker
        if tracker.expectations or tracker.orphans:
            tracker.resolve(ev.line, ev.time)
        if ev.memory_map_locked and not self.teardown:
            self.start_teardown(ev.line)
        m = self.live.pop(ev.mapping, None)
        if m is None:
            old = self.dead.get(ev.mapping)
            if old is not None:
                label = old.stats.resolve().label or "unattributed"
                self._report(
                    "IOMMU-003",
                    (old.request_line, ev.line),
                    f"{label}:{IOMMU_OPERATIONS[old.op]}",
                    {"mapping": ev.mapping},
                )
            else:
                self._report(
                    "IOMMU-002",
                    (ev.line,),
                    "at-exit-boot" if ev.memory_map_locked else "unmap",
                    {"mapping": ev.mapping},
                )
            return
        self.unmaps += 1
        stats = m.stats.resolve()
        stats.unmaps += 1
        if m.op in BOUNCE_OUT:
            stats.bounce_bytes += m.nbytes
        stats.add_shared(-m.pages, ev.line, ev.time)
        if m.bits == 0:
            end = m.device_address + m.pages * PAGE_SIZE
            tracker.expect(m.device_address, end, False, stats, ev.line, what="unmap")
        if m.buffer is not None:
            m.buffer.mapped -= 1
        if self.pool is not None and m.bits and m.op not in COMMON and ev.memory_map_locked:
            self.pool.owners.pop(m.bits.bit_length() - 1, None)
        self._end(m, ev.line, ev.time)
        dead = self.dead
        dead[ev.mapping] = m
        if len(dead) > MAX_DEAD:
            # Keep the newest half. (Deleting the oldest key one at a time makes
            # next(iter(dict)) walk ever more dead slots: quadratic.)
            self.dead = dict(list(dead.items())[MAX_DEAD // 2 :])

    def _end(self, m: Mapping, line: int | None, time: float | None) -> None:
        self.on_lifetime(m, line, time)

    # -- AllocateBuffer / FreeBuffer -------------------------------------------------------

    def allocate_request(self, ev: IoMmuAllocateRequest) -> None:
        tracker = self.tracker
        if tracker.expectations or tracker.orphans:
            tracker.resolve(ev.line, ev.time)
        self._alloc_pages = ev.pages
        self._alloc_attributes = ev.attributes
        self._alloc_line = ev.line
        self._slot = None

    def allocate_result(self, ev: IoMmuAllocateResult) -> None:
        pages = self._alloc_pages
        self._alloc_pages = -1
        slot = self._slot
        self._slot = None
        stats = self.attributor.for_allocation(self._alloc_attributes, ev.line)
        buffer = Buffer(
            ev.host, max(pages, 0), ev.stash, 1 << slot.bit if slot else 0, ev.line, stats
        )
        self.buffers[ev.host] = buffer
        self.allocations += 1
        if pages > 0 and self.tracker.pages.state_at(ev.stash) is PageState.UNKNOWN:
            # "StashBuffer always resides in encrypted memory" (CcIoMmu.c): known private.
            self.tracker.mark_known(ev.stash, ev.stash + pages * PAGE_SIZE, PageState.PRIVATE)
        if slot is not None and self.pool is not None:
            self.pool.owners[slot.bit] = buffer
        elif pages >= 0:
            self._check_fallback(2, pages + 1, (self._alloc_line, ev.line))

    def free(self, ev: IoMmuFree) -> None:
        tracker = self.tracker
        if tracker.expectations or tracker.orphans:
            tracker.resolve(ev.line, ev.time)
        self.frees += 1
        buffer = self.buffers.pop(ev.host, None)
        if buffer is None:
            self._report_device(
                "IOMMU-005", ev.line, "FreeBuffer", {"host": ev.host, "pages": ev.pages}
            )
        elif buffer.mapped > 0:
            label = buffer.stats.resolve().label or "unattributed"
            self._report(
                "IOMMU-004", (buffer.line, ev.line), label, {"host": ev.host, "pages": ev.pages}
            )

    # -- the reserved pool ------------------------------------------------------------------

    def pool_init(self, ev: PoolInit) -> None:
        tracker = self.tracker
        if tracker.expectations or tracker.orphans:
            tracker.resolve(ev.line, ev.time)
        self.pool = PoolModel(ev.base)
        for slot in self.pool.slots:
            tracker.expect(slot.data, slot.data_end, True, None, ev.line, what="pool-init")

    def slot_taken(self, ev: PoolSlotTaken) -> None:
        pool = self.pool
        if pool is None:
            base = base_from_slot(ev.address, ev.bits)
            if base is None:
                return
            pool = self.pool = PoolModel(base)
        self._slot, reused = pool.claim(ev.address, ev.bits, ev.bitmap_before, self)
        if reused and self._slot is not None:
            label = self._slot.range.label
            self._report("POOL-002", (ev.line,), label, {"range": label, "bit": self._slot.bit})

    def slot_freed(self, ev: PoolSlotFreed) -> None:
        if self.pool is not None and ev.bits > 0:
            self.pool.free(ev.bits.bit_length() - 1)

    def _check_fallback(self, op: int, pages: int, lines: tuple[int, ...]) -> None:
        pool = self.pool
        if pool is None or pool.released or self.teardown:
            return
        rng = range_for_pages(pages)
        if rng is None:
            return
        pool.fallbacks += 1
        details = {
            "range": rng.label,
            "pages": pages,
            "model_full": pool.is_full(rng),
            "operation": IOMMU_OPERATIONS[op],
        }
        self._report("POOL-001", lines, rng.label, details)

    # -- ExitBootServices -------------------------------------------------------------------

    def start_teardown(self, line: int) -> None:
        """IoMmuExitBoot / IoMmuUnmapAllMappings / first ``MemoryMapLocked=1`` unmap."""
        if self.teardown:
            return
        self.teardown = True
        self.ebs_line = line
        for m in self.live.values():
            stats = m.stats.resolve()
            stats.live_at_ebs += 1
            self.live_at_ebs += 1
            if m.op not in COMMON:
                self._leaked(m, "exit-boot-services")
        pool = self.pool
        if pool is not None and not pool.released:
            pool.released = True
            for slot in pool.slots:
                self.tracker.expect(
                    slot.data, slot.data_end, False, None, line, sticky=True, what="pool-release"
                )

    def finish(self, line: int) -> None:
        """End of log: settle expectations; one-shot mappings still live leaked."""
        self.tracker.resolve(line, None)
        if self.teardown:
            return
        for m in self.live.values():
            if m.op not in COMMON:
                self._leaked(m, "end-of-log")

    # -- helpers ----------------------------------------------------------------------------

    def _leaked(self, m: Mapping, when: str) -> None:
        """IOMMU-001 for a one-shot mapping still live (end of log: low severity)."""
        label = m.stats.resolve().label or "unattributed"
        op = IOMMU_OPERATIONS[m.op]
        details: dict[str, object] = {"device": label, "operation": op, "when": when}
        self._report(
            "IOMMU-001", (m.request_line,), f"{label}:{op}", details, low=when == "end-of-log"
        )

    def _report_device(self, rule: str, line: int, what: str, details: dict[str, object]) -> None:
        ctx = self.attributor.context
        label = ctx.label if ctx is not None and ctx.label else "unattributed"
        self._report(rule, (line,), f"{label}:{what}", details)

    def _report(
        self,
        rule: str,
        lines: tuple[int, ...],
        key: str,
        details: dict[str, object],
        *,
        low: bool = False,
    ) -> None:
        self.collector.report(
            rule, lines, key=key, details=details, severity=Severity.LOW if low else None
        )
