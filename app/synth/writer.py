"""``write_log``: weave a workload's IoMmu and encryption lines into a real boot log.

The writer walks the skeleton plan (``skeleton.build_plan``), copies base lines byte for byte,
and at each hook runs the IoMmu model: pool init after the IoMmu protocol install, fw_cfg DMA
after each DXE ``QemuFwCfg interface (DMA) is supported.``, driver binding and the first requests
at ``EfiBootManagerConnectAll``, the bulk of the requests after the OS loader starts, then
ExitBootServices. Output is buffered and streamed; only live mappings and a bounded number of
truth records stay in memory, so request counts in the millions are fine.
"""

from __future__ import annotations

import json
import random
from typing import BinaryIO

from app.analysis.errors import WorkloadError
from app.synth import lines
from app.synth.devices import Device, Done, run_setup, run_teardown
from app.synth.faults import Episodes
from app.synth.iommu import IoMmu
from app.synth.memory import POOL_BASE, CallerBuffers
from app.synth.pool import ReservedPool
from app.synth.skeleton import Hook, build_plan
from app.synth.truth import DEFAULT_MAPPINGS_LIMIT, FaultRecord, GroundTruth, TruthSink
from app.synth.workload import STOP_KINDS, FaultSpec, Workload

HEADER = "# cvmreview synthesized log: "
CONNECT_REQUESTS = 8
IN_REQUEST = ("leak", "double-unmap", "free-mapped")
STOPS = STOP_KINDS
FLUSH_LINES = 8192
IOMMU_IMAGE = "IoMmuDxe.efi"
DEFAULT_IMAGE_BASE = 0x7E8A0000  # a plausible DXE load address, when the base log has none
CRASH_OFFSET = 0x2345
SELF_RECORDED = ("pool-exhaustion", "duplicate-slot")


class StopBoot(Exception):
    """The synthesized boot ends here (truncated log, ASSERT or CPU exception)."""


class LineWriter:
    """Numbers lines and writes them CRLF-terminated in large chunks."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.count = 0
        self.nbytes = 0
        self._buffer: list[str] = []

    def emit(self, text: str) -> int:
        self.count += 1
        self._buffer.append(text)
        if len(self._buffer) >= FLUSH_LINES:
            self.flush()
        return self.count

    def flush(self) -> None:
        if self._buffer:
            data = ("\r\n".join(self._buffer) + "\r\n").encode("latin-1")
            self.out.write(data)
            self.nbytes += len(data)
            self._buffer.clear()


def header_line(workload: Workload) -> str:
    summary = {
        "name": workload.name,
        "seed": workload.seed,
        "platform": workload.platform,
        "edk2": workload.edk2,
    }
    return HEADER + json.dumps(summary, separators=(",", ":"))


def write_log(
    workload: Workload,
    out: BinaryIO,
    truth_stream: BinaryIO | None = None,
    truth_mappings_limit: int = DEFAULT_MAPPINGS_LIMIT,
) -> GroundTruth:
    """Write the synthesized log of ``workload`` to ``out`` and return its ground truth.

    ``truth_stream``, if given, receives every mapping/allocation/fault record as JSON Lines;
    the returned ``GroundTruth`` keeps at most ``truth_mappings_limit`` mappings and allocations.
    A workload with ``host`` also gets the QEMU trace its conversions cause (``hosttrace``).
    """
    if workload.host is not None:
        from app.synth.hosttrace import write_capture  # it calls back here for the guest log

        return write_capture(workload, out)[0]
    return _Synthesis(workload, out, truth_stream, truth_mappings_limit).run()


class _Synthesis:
    def __init__(
        self, workload: Workload, out: BinaryIO, stream: BinaryIO | None, limit: int
    ) -> None:
        self.w = workload
        self.rng = random.Random(workload.seed)
        self.out = LineWriter(out)
        self.emit = self.out.emit
        self.truth = GroundTruth(workload.to_dict(), mappings_limit=max(0, limit))
        self.sink = TruthSink(self.truth, stream)
        pool = ReservedPool(POOL_BASE, workload.edk2) if workload.pool_active else None
        self.io = IoMmu(workload.platform, workload.edk2, pool, self.emit, self.sink)
        self.caller = CallerBuffers()
        self.devices = [Device(spec, i, self.caller) for i, spec in enumerate(workload.devices)]
        self.episodes = Episodes(self.io, self.caller, self.emit)
        self.total = {d.label: d.spec.requests * workload.scale for d in self.devices}
        self.next = {d.label: 0 for d in self.devices}
        self.bound: list[Device] = []
        self.schedule = self._schedule_faults()
        self.orphans = [f for f in workload.faults if self._target(f) is None]
        self.iommu_image = DEFAULT_IMAGE_BASE

    # -- fault placement ----------------------------------------------------------------------

    def _target(self, fault: FaultSpec) -> str | None:
        if fault.device is not None:
            return fault.device if self.total[fault.device] > 0 else None
        pci = [d.label for d in self.devices if d.pci and self.total[d.label] > 0]
        anyd = [d.label for d in self.devices if self.total[d.label] > 0]
        choices = anyd if fault.kind in STOPS else pci + anyd
        return choices[0] if choices else None

    def _schedule_faults(self) -> dict[tuple[str, int], list[FaultSpec]]:
        schedule: dict[tuple[str, int], list[FaultSpec]] = {}
        for i, fault in enumerate(self.w.faults):
            label = self._target(fault)
            if label is None:
                continue
            total = self.total[label]
            at = fault.at if fault.at is not None else min(total - 1, 3)
            if at >= total:
                raise WorkloadError(f"faults[{i}].at={at} but {label} makes {total} request(s)")
            if fault.kind in IN_REQUEST:
                while any(f.kind in IN_REQUEST for f in schedule.get((label, at), [])):
                    at = (at + 1) % total
            schedule.setdefault((label, at), []).append(fault)
        return schedule

    # -- driving --------------------------------------------------------------------------------

    def run(self) -> GroundTruth:
        self.emit(header_line(self.w))
        base, plan = build_plan(self.w)
        self.truth.workload["base_log"] = base
        fwcfg_hooks = sum(1 for item in plan if item == Hook("fwcfg"))
        self.fwcfg_seen = 0
        self.fwcfg_hooks = fwcfg_hooks
        try:
            for item in plan:
                if isinstance(item, Hook):
                    getattr(self, "_hook_" + item.name)()
                else:
                    self.emit(item)
                    if item.endswith(IOMMU_IMAGE) and item.startswith("Loading driver at 0x"):
                        self.iommu_image = int(item.split()[3], 16)  # where a crash lands
            if self.truth.end_state == "running":
                self.truth.end_state = "ended-without-exit"
        except StopBoot:
            pass
        self.io.finish()
        self.out.flush()
        self.truth.total_lines = self.out.count
        self.truth.total_bytes = self.out.nbytes
        return self.truth

    def _hook_iommu(self) -> None:
        self.io.device = ""
        if self.io.pool is not None:
            self.io.init_pool()
            self.emit(lines.feature_supported())

    def _hook_fwcfg(self) -> None:
        self.fwcfg_seen += 1
        for device in self.devices:
            if device.pci:
                continue
            total = self.total[device.label]
            share = total * self.fwcfg_seen // self.fwcfg_hooks
            self._requests(device, share - self.next[device.label])

    def _hook_connect(self) -> None:
        for device in sorted(self.devices, key=lambda d: d.spec.bdf or ""):
            if not device.pci:
                continue
            self.io.device = device.label
            device.bind(self.io, self.emit)
            self.bound.append(device)
            self._requests(device, min(CONNECT_REQUESTS, self.total[device.label]))
        for fault in self.orphans:
            self._orphan(fault)

    def _hook_boot(self) -> None:
        self.emit("[Bds]Booting UEFI Misc Device")
        self.emit(lines.install_protocol(lines.GUID_LOADED_IMAGE, 0x3DE503C0))
        self.emit(lines.loading_driver(0x3D9D2000, 0x3D9D3000, ""))
        self.emit(lines.install_protocol(lines.GUID_LOADED_IMAGE_DEVICE_PATH, 0x3DE4ED18))
        self._remaining()
        if self.w.platform == "sev-snp":
            self.emit("Accepting all memory")
        for device in reversed(self.bound):
            line = device.exit_boot_line()
            if line is not None:
                self.emit(line)
        self.io.device = ""
        self.io.exit_boot()
        self.truth.exit_boot_services = True
        self.truth.end_state = "exited-boot-services"

    def _hook_boot_tail(self) -> None:
        self._remaining()

    def _remaining(self) -> None:
        """Round-robin the devices' outstanding requests (the OS loader reading its files)."""
        active = [d for d in self.devices if self.next[d.label] < self.total[d.label]]
        while active:
            for device in active:
                self._requests(device, min(64, self.total[device.label] - self.next[device.label]))
            active = [d for d in active if self.next[d.label] < self.total[d.label]]

    # -- requests -------------------------------------------------------------------------------

    def _requests(self, device: Device, count: int) -> None:
        self.io.device = device.label
        label = device.label
        for _ in range(count):
            index = self.next[label]
            self.next[label] = index + 1
            faults = self.schedule.get((label, index))
            if faults is None:
                shape = device.shape(index, self.rng)
                done = Done()
                run_setup(self.io, shape, done)
                run_teardown(self.io, shape, done, None)
            else:
                self._faulty_request(device, index, faults)

    def _faulty_request(self, device: Device, index: int, faults: list[FaultSpec]) -> None:
        shape = device.shape(index, self.rng)
        done = Done()
        stop = next((f for f in faults if f.kind in STOPS), None)
        if stop is not None:
            run_setup(self.io, shape, done, stop_at_primary=True)
            self._stop(stop, done)
        bend = next((f for f in faults if f.kind in IN_REQUEST), None)
        generic_free = (
            bend is not None
            and bend.kind == "free-mapped"
            and not any(s.kind == "alloc" for s in shape.setup)
        )
        run_setup(self.io, shape, done)
        run_teardown(self.io, shape, done, None if bend is None or generic_free else bend.kind)
        if bend is not None and not generic_free:
            primary = done.maps[shape.primary].record
            at = {
                "leak": [primary.request_line, primary.result_line],
                "double-unmap": [done.lines.get("again", 0)],
                "free-mapped": [done.lines.get("freed", 0)],
            }[bend.kind]
            self._record(bend, at, device.label)
        size = device.spec.request_sizes()[0]
        for fault in faults:
            if fault.kind in IN_REQUEST and not (fault is bend and generic_free):
                continue
            if fault.kind in STOPS:
                continue
            self._record(fault, self.episodes.run(fault, device.pci, size), device.label)

    def _orphan(self, fault: FaultSpec) -> None:
        if fault.kind in STOPS:
            self._stop(fault, Done())
        self.io.device = ""
        self._record(fault, self.episodes.run(fault, False, 0x1000), None)

    def _stop(self, fault: FaultSpec, done: Done) -> None:
        if fault.kind == "truncated":
            self._record(fault, [self.out.count], self.io.device or None)
            self.truth.end_state = "truncated"
            raise StopBoot
        if fault.kind == "exception":
            self._exception(fault)
        iommu_c = "CcIoMmu.c" if self.w.edk2 >= "202302" else "AmdSevIoMmu.c"
        self.emit("")
        self.emit("ASSERT_EFI_ERROR (Status = No mapping)")
        line = self.emit(
            lines.assert_line(
                f"/builddir/build/BUILD/edk2/OvmfPkg/IoMmuDxe/{iommu_c}",
                254 if self.w.edk2 >= "202302" else 295,
                "!(((INTN)(RETURN_STATUS)(Status)) < 0)",
            )
        )
        self._record(fault, [line], self.io.device or None)
        self.truth.end_state = "assert"
        raise StopBoot

    def _exception(self, fault: FaultSpec) -> None:
        """A page fault in IoMmuDxe (CpuExceptionHandlerLib's dump, its image line last)."""
        base = self.iommu_image
        line = self.emit("")
        for text in lines.exception_dump(base, base + CRASH_OFFSET, "IoMmuDxe"):
            line = self.emit(text)
            if text.startswith("!!!! X64"):
                first = line
        self._record(fault, [first], self.io.device or None)
        self.truth.end_state = "exception"
        raise StopBoot

    def _record(self, fault: FaultSpec, at: list[int], device: str | None) -> None:
        if fault.kind in SELF_RECORDED:
            return  # the IoMmu model records pool anomalies itself, where they happen
        self.sink.add_fault(FaultRecord(fault.kind, fault.rule_id, [n for n in at if n], device))
