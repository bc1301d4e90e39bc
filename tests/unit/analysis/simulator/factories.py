"""Builders of model events for simulator tests: a tiny DSL that numbers lines itself.

``BootLog`` appends events in the order edk2 prints the lines (request, slot, conversions,
result...), so tests read like the log they stand for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.analysis import model as m
from app.analysis.boot import BootTracker
from app.analysis.model import PAGE_SIZE, Finding, LabelledRange
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator import SIMULATOR_RULES, SimulationResult, Simulator
from app.analysis.simulator.pool import pool_layout, range_for_pages

GIB = 1 << 30
POOL_BASE = 0x7E000000


@dataclass
class BootLog:
    events: list[m.Event] = field(default_factory=list)
    line: int = 0
    clock: float | None = None
    next_mapping: int = 0x7F6B0000
    bitmap: int = 0
    slots: dict[int, tuple[int, int]] = field(default_factory=dict)  # mapping/host -> slot

    def add(self, cls: type[m.Event], **fields: object) -> m.Event:
        self.line += 1
        time = None
        if self.clock is not None:
            self.clock += 0.001
            time = self.clock
        ev = cls(line=self.line, time=time, **fields)  # type: ignore[call-arg]
        self.events.append(ev)
        return ev

    # -- IoMmu ------------------------------------------------------------------------------

    def map(
        self,
        op: str,
        host: int,
        nbytes: int,
        *,
        device: int | None = None,
        mapping: int | None = None,
        pool: bool = False,
        logged: bool = False,
        sev: bool = True,
    ) -> int:
        """Map request + (pool slot) + (logged conversion) + result; returns the mapping."""
        pages = (nbytes + PAGE_SIZE - 1) // PAGE_SIZE
        self.add(m.IoMmuMapRequest, operation=op, host=host, bytes=nbytes)
        bits = 0
        if op.startswith("CommonBuffer"):
            device = host
            bits = self.slots.get(host, (0, 0))[1]
        elif pool:
            device, bits = self.take_slot(pages)
        if device is None:
            device = 0x50000000 + (self.line << 12)
        if logged and not bits:
            self.convert(device, pages, shared=True, sev=sev)
        if mapping is None:
            self.next_mapping += 0x100
            mapping = self.next_mapping
        self.add(
            m.IoMmuMapResult,
            mapping=mapping,
            device_address=device,
            crypted=host,
            pages=pages,
            reserved_bitmap=bits,
        )
        if bits and not op.startswith("CommonBuffer"):
            self.slots[mapping] = (device, bits)
        return mapping

    def take_slot(self, pages: int) -> tuple[int, int]:
        rng = range_for_pages(pages)
        assert rng is not None
        slots = [s for s in pool_layout(POOL_BASE) if s.range is rng]
        slot = next((s for s in slots if not self.bitmap & (1 << s.bit)), slots[0])
        before = self.bitmap
        self.bitmap |= 1 << slot.bit
        self.add(
            m.PoolSlotTaken,
            range_size=rng.data_size,
            address=slot.data,
            pages=pages,
            bits=1 << slot.bit,
            bitmap_before=before,
            bitmap_after=self.bitmap,
        )
        return slot.data, 1 << slot.bit

    def unmap(
        self,
        mapping: int,
        *,
        locked: bool = False,
        convert: tuple[int, int] | None = None,
        sev: bool = True,
    ) -> None:
        """UnmapWorker line, then (legacy) the logged re-encryption, then (pool) the slot."""
        self.add(m.IoMmuUnmap, mapping=mapping, memory_map_locked=locked)
        if convert is not None:
            self.convert(convert[0], convert[1], shared=False, sev=sev)
        slot = self.slots.pop(mapping, None) if not locked else None
        if slot is not None:
            self.free_slot(slot, common=False)

    def free_slot(self, slot: tuple[int, int], *, common: bool) -> None:
        before = self.bitmap
        self.bitmap &= ~slot[1]
        self.add(
            m.PoolSlotFreed,
            address=slot[0],
            bits=slot[1],
            bitmap_before=before,
            bitmap_after=self.bitmap,
            common=common,
        )

    def allocate(
        self,
        pages: int,
        host: int = 0,
        *,
        attributes: int = 0x800,
        stash: int = 0x7F000000,
        pool: bool = False,
    ) -> int:
        """AllocateBuffer; with ``pool`` the (pages + 1) slot decides ``host``."""
        self.add(m.IoMmuAllocateRequest, memory_type=4, pages=pages, attributes=attributes)
        if pool:
            host, bits = self.take_slot(pages + 1)
            self.slots[host] = (host, bits)
        self.add(m.IoMmuAllocateResult, host=host, stash=stash)
        return host

    def free(self, host: int, pages: int) -> None:
        self.add(m.IoMmuFree, host=host, pages=pages)
        slot = self.slots.pop(host, None)
        if slot is not None:
            self.free_slot(slot, common=True)

    def convert(
        self,
        start: int,
        pages: int,
        *,
        shared: bool,
        sev: bool = True,
        module: str = "IoMmuDxe",
        mmio: bool = False,
    ) -> None:
        if sev:
            self.add(
                m.SetMemoryEncDec,
                module=module,
                physical=start,
                length=pages * PAGE_SIZE,
                encrypt=not shared,
                mmio=mmio,
            )
        else:
            self.add(
                m.SetMemorySharedOrPrivate,
                module=module,
                physical=start,
                length=pages * PAGE_SIZE,
                shared=shared,
            )

    def pool_init(self, *, logged: bool = False, sev: bool = True) -> None:
        self.add(m.PoolInit, pages=1429, base=POOL_BASE)
        if logged:
            for slot in pool_layout(POOL_BASE):
                pages = (slot.data_end - slot.data) // PAGE_SIZE
                self.convert(slot.data, pages, shared=True, sev=sev)

    def exit_boot(self) -> None:
        self.add(m.IoMmuExitBoot, stage="exit-boot")
        self.add(m.IoMmuExitBoot, stage="unmap-all")

    # -- context ----------------------------------------------------------------------------

    def pci(self, dev: int, device_id: int, vendor_id: int = 0x1AF4) -> None:
        self.add(
            m.PciDeviceFound,
            kind="PCI",
            bus=0,
            device=dev,
            function=0,
            vendor_id=vendor_id,
            device_id=device_id,
        )

    def protocol(self, guid: str) -> None:
        self.add(m.ProtocolInstalled, guid=guid, interface=0x7EA1E0A8)

    def message(self, function: str, text: str = "") -> None:
        self.add(m.DriverMessage, function=function, text=text)

    def other(self) -> None:
        self.add(m.PhaseMarker, phase=m.Phase.BDS, detail="[Bds] Entry...")


def run(
    events: Iterable[m.Event], *, seeds: Sequence[LabelledRange] = (), **kwargs: int
) -> tuple[SimulationResult, list[Finding]]:
    result, findings, _ = run_with_boot(events, seeds=seeds, **kwargs)
    return result, findings


def run_with_boot(
    events: Iterable[m.Event], *, seeds: Sequence[LabelledRange] = (), **kwargs: int
) -> tuple[SimulationResult, list[Finding], BootTracker]:
    """The simulator as the report drives it: the boot tracker sees each event first and tells
    the simulator the platform and ExitBootServices (the tracker's own BOOT findings, reported
    at its ``finish``, are not wanted here, so it is not finished)."""
    collector = FindingCollector(SIMULATOR_RULES)
    sim = Simulator(collector, seeds=seeds, **kwargs)
    boot = BootTracker(collector, observer=sim)
    last = 0
    for ev in events:
        boot.feed(ev)
        sim.feed(ev)
        last = ev.line
    result = sim.finish(last_line=last)
    return result, collector.findings(), boot


def rule_ids(findings: Iterable[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)


def by_rule(findings: Iterable[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]
