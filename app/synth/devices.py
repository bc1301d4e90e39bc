"""What each DMA user does through IoMmu: ring setup at bind time and one request's shape.

Shapes follow the drivers (reference 4.4 and the edk2 sources): one VirtioBlk request is
AllocateSharedPages(1) for the status byte, Map Read of the 16-byte header, Map Read/Write of the
data, Map CommonBuffer of the status, then Unmap status, data, header and FreeSharedPages.
VirtioScsi adds a shared in-data buffer and a response buffer; VirtioNet maps each transmitted
frame (Read); VirtioRng maps the caller buffer (Write); VirtioGpu maps a command (Read) and its
response (Write); fw_cfg DMA (QemuFwCfgDxeLib) allocates the access structure with
DUAL_ADDRESS_CYCLE, maps it CommonBuffer64, maps the data Read64/Write64, then unmaps the access
structure, frees it, and unmaps the data. Rings are AllocateBuffer + Map CommonBuffer and stay
mapped until ExitBootServices.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from app.synth import lines
from app.synth.iommu import Buffer, IoMmu, Mapping
from app.synth.memory import CallerBuffers
from app.synth.workload import DeviceSpec

PAGE = 0x1000


@dataclass(frozen=True, slots=True)
class Step:
    """One setup action of a request: allocate a shared buffer or map something."""

    kind: str  # "alloc" | "map"
    name: str
    pages: int = 0
    operation: str = ""
    host: int = 0
    nbytes: int = 0
    buffer: str = ""
    attributes: int = 0x800


@dataclass
class Shape:
    """A request: setup steps, teardown actions (``unmap``/``free`` by name), primary map."""

    setup: list[Step]
    teardown: list[tuple[str, str]]
    primary: str
    pci: bool = True


@dataclass
class Done:
    """What running a request produced, for fault bookkeeping."""

    maps: dict[str, Mapping] = field(default_factory=dict)
    buffers: dict[str, Buffer] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


# ring pages for the queue sizes QEMU offers (desc+avail page-aligned, then used)
RING_PAGES = {"virtio-blk": 3, "virtio-scsi": 3, "virtio-net": 3, "virtio-rng": 2, "virtio-gpu": 3}
EXIT_BOOT = {
    "virtio-blk": "VirtioBlkExitBoot",
    "virtio-scsi": "VirtioScsiExitBoot",
    "virtio-net": "VirtioNetExitBoot",
    "virtio-rng": "VirtioRngExitBoot",
    "virtio-gpu": "VirtioGpuExitBoot",
}
MODERN_DID = {
    "virtio-net": 0x1041,
    "virtio-blk": 0x1042,
    "virtio-rng": 0x1044,
    "virtio-scsi": 0x1048,
    "virtio-gpu": 0x1050,
}


class Device:
    """One declared device: its context address, rings and request generator."""

    def __init__(self, spec: DeviceSpec, index: int, caller: CallerBuffers) -> None:
        self.spec = spec
        self.label = spec.label
        self.index = index
        self.caller = caller
        self.context = caller.take(0x200, 0x20) + 0x18
        self.stack = 0x3FF8F000 - 0x400 * index - 0x128
        self.data_buffers = [caller.pages(256) for _ in range(4)]
        self.rings: list[tuple[Buffer, Mapping]] = []

    @property
    def pci(self) -> bool:
        return self.spec.is_pci

    def bind(self, io: IoMmu, emit: Callable[[str], int]) -> None:
        """Driver Start(): VirtIo protocol, ring(s), INFO lines, device protocol."""
        kind = self.spec.kind
        emit(lines.install_protocol(lines.GUID_VIRTIO, self.context + 0x100))
        rings = 2 if kind == "virtio-net" else 1
        for _ in range(rings):
            pages = RING_PAGES[kind]
            buffer = io.allocate_buffer(pages)
            self.rings.append((buffer, io.map("CommonBuffer", buffer.host, pages * PAGE, buffer)))
        if kind == "virtio-net":
            for pages in (1, 16):  # TxSharedReq, RxBuf
                buffer = io.allocate_buffer(pages)
                self.rings.append(
                    (buffer, io.map("CommonBuffer", buffer.host, pages * PAGE, buffer))
                )
        if kind == "virtio-blk":
            emit("VirtioBlkInit: LbaSize=0x200[B] NumBlocks=0x1400000[Lba]")
            emit("VirtioBlkInit: FirstAligned=0x0[Lba] PhysBlkSize=0x1[Lba]")
            emit("VirtioBlkInit: OptimalTransferLengthGranularity=0x0[Lba]")
        if kind == "virtio-gpu":
            emit(
                f"VirtioGpuDriverBindingStart: produced GOP while binding VirtIo=0x{self.context:X}"
            )
        emit(lines.install_protocol(lines.DEVICE_PROTOCOL[kind], self.context + 0x40))

    def shape(self, i: int, rng: random.Random) -> Shape:
        """The IoMmu calls of request ``i``."""
        spec = self.spec
        sizes = spec.request_sizes()
        size = sizes[i % len(sizes)] if len(sizes) <= 1 else rng.choice(sizes)
        to_device = rng.random() < spec.write_ratio
        data = self.data_buffers[i % len(self.data_buffers)]
        kind = spec.kind
        if kind == "virtio-blk":
            return Shape(
                [
                    Step("alloc", "status", pages=1),
                    Step("map", "header", operation="Read", host=self.stack, nbytes=0x10),
                    Step(
                        "map",
                        "data",
                        operation="Read" if to_device else "Write",
                        host=data,
                        nbytes=size,
                    ),
                    Step("map", "status", operation="CommonBuffer", nbytes=1, buffer="status"),
                ],
                [("unmap", "status"), ("unmap", "data"), ("unmap", "header"), ("free", "status")],
                "data",
            )
        if kind == "virtio-scsi":
            setup = [Step("map", "request", operation="Read", host=self.stack, nbytes=0x33)]
            teardown: list[tuple[str, str]] = [("unmap", "response"), ("free", "response")]
            if to_device:
                setup.append(Step("map", "data", operation="Read", host=data, nbytes=size))
                teardown.append(("unmap", "data"))
            else:
                setup.append(Step("alloc", "indata", pages=(size + PAGE - 1) // PAGE))
                setup.append(
                    Step("map", "data", operation="CommonBuffer", nbytes=size, buffer="indata")
                )
                teardown += [("unmap", "data"), ("free", "indata")]
            setup.append(Step("alloc", "response", pages=1))
            setup.append(
                Step("map", "response", operation="CommonBuffer", nbytes=0x6C, buffer="response")
            )
            teardown.append(("unmap", "request"))
            return Shape(setup, teardown, "data")
        if kind == "virtio-net":
            step = Step("map", "data", operation="Read", host=data, nbytes=size)
            return Shape([step], [("unmap", "data")], "data")
        if kind == "virtio-rng":
            step = Step("map", "data", operation="Write", host=data, nbytes=size)
            return Shape([step], [("unmap", "data")], "data")
        if kind == "virtio-gpu":
            return Shape(
                [
                    Step("map", "data", operation="Read", host=self.stack, nbytes=size),
                    Step("map", "response", operation="Write", host=self.stack + 0x80, nbytes=0x18),
                ],
                [("unmap", "response"), ("unmap", "data")],
                "data",
            )
        # fw-cfg
        return Shape(
            [
                Step("alloc", "access", pages=1, attributes=0x8000),
                Step("map", "access", operation="CommonBuffer64", nbytes=0x10, buffer="access"),
                Step(
                    "map",
                    "data",
                    operation="Read64" if to_device else "Write64",
                    host=data,
                    nbytes=size,
                ),
            ],
            [("unmap", "access"), ("free", "access"), ("unmap", "data")],
            "data",
            pci=False,
        )

    def exit_boot_line(self) -> str | None:
        name = EXIT_BOOT.get(self.spec.kind)
        return None if name is None else lines.context(name, self.context)


def run_setup(io: IoMmu, shape: Shape, done: Done, stop_at_primary: bool = False) -> bool:
    """Run the setup steps; returns False when stopped at the primary map's entry line."""
    for step in shape.setup:
        if step.kind == "alloc":
            done.buffers[step.name] = io.allocate_buffer(step.pages, step.attributes)
            continue
        buffer = done.buffers.get(step.buffer) if step.buffer else None
        host = buffer.host if buffer is not None else step.host
        if stop_at_primary and step.name == shape.primary:
            done.lines["stop"] = io.map_request_only(step.operation, host, step.nbytes)
            return False
        done.maps[step.name] = io.map(step.operation, host, step.nbytes, buffer, shape.pci)
    return True


def run_teardown(io: IoMmu, shape: Shape, done: Done, fault: str | None) -> None:
    """Run the teardown, bent by ``fault`` (leak, double-unmap, free-mapped)."""
    actions = list(shape.teardown)
    if fault == "leak":
        actions.remove(("unmap", shape.primary))
    if fault == "free-mapped":
        freed = next((name for act, name in actions if act == "free"), None)
        if freed is None or ("unmap", freed) not in actions:
            raise ValueError("shape has no mapped shared buffer")
        actions.remove(("free", freed))
        actions.insert(actions.index(("unmap", freed)), ("free", freed))
        done.lines["freed"] = 0
    for action, name in actions:
        if action == "free":
            line = io.free_buffer(done.buffers[name])
            if fault == "free-mapped" and "freed" in done.lines and done.lines["freed"] == 0:
                done.lines["freed"] = line
            continue
        mapping = done.maps[name]
        io.unmap(mapping)
        if fault == "double-unmap" and name == shape.primary:
            done.lines["again"] = io.stray_unmap(mapping.address, mapping.pci)
