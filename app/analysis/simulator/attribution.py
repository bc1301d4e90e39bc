"""Which device a DMA mapping belongs to. IoMmu lines never name the device, so we infer it.

Methods, strongest first (each mapping records the one used):

* ``fw-cfg-signature``: QemuFwCfgDxeLib calls IoMmu directly with ``Read64``/``Write64``/
  ``CommonBuffer64`` and allocates with ``DUAL_ADDRESS_CYCLE`` (``Attributes=0x8000``); PCI DMA
  on OVMF x86 never shows 64-bit operations (``DmaAbove4G = FALSE`` in PciHostBridgeLib).
* ``request-shape``: one virtio-blk request is a 16-byte header ``Read``, optional data, and a
  1-byte status ``CommonBuffer``; a lone ``Read``/``Write`` outside such a request cannot be
  virtio-blk (virtio-net maps each transmitted frame as one ``Read``).
* ``buffer-owner``: a CommonBuffer map of a buffer belongs to whoever allocated the buffer.
* ``driver-context``: the device whose driver spoke last - a ``VirtIo`` protocol install
  opens a device bring-up whose DMA (ring set-up) comes *before* the driver's own line
  (``VirtioBlkInit: LbaSize=...``) or protocol (SimpleNetwork, Rng, GOP...), so those maps
  wait in a pending group that the next kind-specific signal assigns.
* ``unattributed`` otherwise.
"""

from __future__ import annotations

from app.analysis.model import DriverMessage, PciDeviceFound, ProtocolInstalled
from app.analysis.simulator.stats import DeviceStats

VIRTIO_VENDOR = 0x1AF4
VIRTIO_KINDS = {
    0x1000: "virtio-net",
    0x1001: "virtio-blk",
    0x1002: "virtio-balloon",
    0x1003: "virtio-serial",
    0x1004: "virtio-scsi",
    0x1005: "virtio-rng",
    0x1009: "virtio-9p",
    0x1041: "virtio-net",
    0x1042: "virtio-blk",
    0x1043: "virtio-serial",
    0x1044: "virtio-rng",
    0x1045: "virtio-balloon",
    0x1048: "virtio-scsi",
    0x1049: "virtio-9p",
    0x1050: "virtio-gpu",
    0x1052: "virtio-input",
}
OTHER_KINDS = {
    (0x1B36, 0x0010): "nvme",
    (0x8086, 0x2922): "ahci",
    (0x1B36, 0x000D): "xhci",
    (0x8086, 0x100E): "e1000",
    (0x8086, 0x10D3): "e1000e",
}
MESSAGE_KINDS = (
    ("VirtioBlk", "virtio-blk"),
    ("VirtioScsi", "virtio-scsi"),
    ("VirtioNet", "virtio-net"),
    ("VirtioRng", "virtio-rng"),
    ("VirtioGpu", "virtio-gpu"),
    ("VirtioSerial", "virtio-serial"),
    ("GopNativeResolution", "virtio-gpu"),
    ("NvmExpress", "nvme"),
)
VIRTIO_PROTOCOL = "FA920010-6785-4941-B6EC-498C579F160A"
PROTOCOL_KINDS = {
    "A19832B9-AC25-11D3-9A2D-0090273FC14D": "virtio-net",  # SimpleNetwork
    "3152BCA5-EADE-433D-862E-C01CDC291F44": "virtio-rng",  # Rng
    "9042A9DE-23DC-4A38-96FB-7ADED080516A": "virtio-gpu",  # GraphicsOutput
    "143B7632-B81B-4CB7-ABD3-B625A5B9BFFE": "virtio-scsi",  # ExtScsiPassThru
}
EARLY_KINDS = frozenset(("virtio-rng", "virtio-gpu"))
FW_CFG = "fw-cfg"
UNATTRIBUTED = "unattributed"

# Each method in a sentence, for the pages that show a device's attribution (the module
# docstring above says the same at length).
METHODS: dict[str, str] = {
    "fw-cfg-signature": (
        "QemuFwCfgDxeLib maps with the 64-bit operations (Read64, Write64, CommonBuffer64) and"
        " allocates with DUAL_ADDRESS_CYCLE; PCI DMA on OVMF x86 never does, so these maps are"
        " fw_cfg's."
    ),
    "request-shape": (
        "The maps form a virtio-blk request (a 16-byte header Read, optional data, a 1-byte"
        " status CommonBuffer), or a lone Read/Write that only virtio-net's transmit makes."
    ),
    "buffer-owner": (
        "A CommonBuffer map of a buffer belongs to whoever allocated that buffer with"
        " AllocateBuffer."
    ),
    "driver-context": (
        "The device whose driver spoke last: its VirtIo protocol install, driver line or"
        " protocol (BlockIo, SimpleNetwork, GOP...) around the map."
    ),
    UNATTRIBUTED: "No line tells which device made these maps: IoMmu lines never name one.",
}
BLK = "virtio-blk"
NET = "virtio-net"
BLK_HEADER_BYTES = 16
DAC_ATTRIBUTE = 0x8000


def kind_of_message(function: str) -> str | None:
    for prefix, kind in MESSAGE_KINDS:
        if function.startswith(prefix):
            return kind
    return None


class Attributor:
    """Keeps the device registry and the current context; hands out ``DeviceStats``."""

    def __init__(self) -> None:
        self.devices: dict[str, DeviceStats] = {}
        self.discovered: list[tuple[str, str]] = []  # (kind, label) in discovery order
        self.bound: set[str] = set()
        self.context: DeviceStats | None = None
        self.context_kind: str | None = None
        self.pending: DeviceStats | None = None
        self.in_blk_request = False
        self.blk_device: DeviceStats | None = None
        self.fw_cfg_line: int | None = None
        self.unattributed = self.device(UNATTRIBUTED, UNATTRIBUTED, None)

    def device(self, label: str, method: str, evidence: int | None) -> DeviceStats:
        stats = self.devices.get(label)
        if stats is None:
            stats = self.devices[label] = DeviceStats(label, method, evidence)
        return stats

    # -- context signals --------------------------------------------------------------------

    def on_pci(self, ev: PciDeviceFound) -> None:
        kind = None
        if ev.vendor_id == VIRTIO_VENDOR and ev.device_id is not None:
            kind = VIRTIO_KINDS.get(ev.device_id)
        elif ev.vendor_id is not None and ev.device_id is not None:
            kind = OTHER_KINDS.get((ev.vendor_id, ev.device_id))
        if kind is not None:
            label = f"{kind} {ev.bus:02x}:{ev.device:02x}.{ev.function:x}"
            if all(lbl != label for _, lbl in self.discovered):
                self.discovered.append((kind, label))

    def on_protocol(self, ev: ProtocolInstalled) -> None:
        guid = ev.guid.upper()
        if guid == VIRTIO_PROTOCOL:
            self._settle_pending(ev.line, None)
            self.pending = DeviceStats(None, "driver-context", ev.line)
            self.context = None
            self.context_kind = None
            return
        # SimpleNetwork, Rng, GOP and ExtScsiPassThru are installed by many drivers (e1000, AHCI's
        # AtaAtapiPassThru, ...): they name a virtio device only while a VirtIo handle is
        # waiting for its driver.
        kind = PROTOCOL_KINDS.get(guid)
        if kind is not None and self.pending is not None:
            self._signal(kind, ev.line)

    def on_message(self, ev: DriverMessage) -> None:
        kind = kind_of_message(ev.function)
        if kind is None or ev.function.endswith("ExitBoot"):
            return
        if kind == self.context_kind and self.pending is None:
            return
        self._signal(kind, ev.line)

    def _signal(self, kind: str, line: int) -> None:
        """The driver of a ``kind`` device spoke: make it the context, claim pending maps."""
        if self.pending is None and self.context_kind == kind:
            return
        target = self._claim(kind, line)
        if self.pending is not None:
            self.pending.merge_into(target, line, None)
            self.pending = None
        self.context = target
        self.context_kind = kind

    def _claim(self, kind: str, line: int) -> DeviceStats:
        """The first discovered, not yet bound device of ``kind`` (else the kind itself)."""
        for index, (k, label) in enumerate(self.discovered):
            if k == kind and label not in self.bound:
                self._bind(index, kind)
                return self.device(label, "driver-context", line)
        for k, label in reversed(self.discovered):
            if k == kind:
                return self.device(label, "driver-context", line)
        return self.device(kind, "driver-context", line)

    def _bind(self, index: int, kind: str) -> None:
        """Bind discovered device ``index``. ConnectAll connects PCI handles in discovery
        order, so devices before it that are still unbound never will be - except rng and
        gpu devices, which OVMF's PlatformBootManagerLib connects early, out of order."""
        discovered = self.discovered
        self.bound.add(discovered[index][1])
        if kind in EARLY_KINDS:
            return
        for k, label in discovered[:index]:
            if k not in EARLY_KINDS:
                self.bound.add(label)

    def _settle_pending(self, line: int, kind: str | None) -> None:
        """A pending group nobody claimed: guess the next unbound virtio device."""
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        for index, (k, label) in enumerate(self.discovered):
            if label not in self.bound and k.startswith("virtio"):
                self._bind(index, k)
                target = self.device(label, "driver-context", pending.evidence_line)
                pending.merge_into(target, line, None)
                self.context = target
                self.context_kind = k
                return
        pending.merge_into(self.unattributed, line, None)

    def finish(self, line: int) -> None:
        self._settle_pending(line, None)

    # -- per operation ----------------------------------------------------------------------

    def for_allocation(self, attributes: int, line: int) -> DeviceStats:
        if attributes & DAC_ATTRIBUTE:
            return self._fw_cfg(line)
        if self.pending is not None:
            return self.pending
        return self.context if self.context is not None else self.unattributed

    def for_map(
        self, op: int, nbytes: int, owner: DeviceStats | None, line: int
    ) -> tuple[DeviceStats, str]:
        """(accumulator, method) for a map of operation index ``op`` (see stats.OP_*)."""
        if op >= 3:
            self.in_blk_request = False
            return self._fw_cfg(line), "fw-cfg-signature"
        if op == 0 and nbytes == BLK_HEADER_BYTES:
            self.in_blk_request = True
            dev = self._blk_device(line)
            return dev, "request-shape"
        if self.in_blk_request:
            dev = self._blk_device(line)
            if op == 2:
                self.in_blk_request = False
            return dev, "request-shape"
        if op == 2:
            if owner is not None:
                target = owner.resolve()
                if target.label is None:  # allocated during a bring-up not yet claimed
                    return target, "driver-context"
                if target is not self.unattributed:
                    return target, "buffer-owner"
        elif self.context_kind == BLK and self.pending is None:
            # A lone Read/Write is never virtio-blk; virtio-net maps frames like this.
            net = self._known(NET)
            if net is not None:
                return net, "request-shape"
        if self.pending is not None:
            return self.pending, "driver-context"
        if self.context is not None:
            return self.context, "driver-context"
        return self.unattributed, "unattributed"

    def _fw_cfg(self, line: int) -> DeviceStats:
        return self.device(FW_CFG, "fw-cfg-signature", self.fw_cfg_line or line)

    def _blk_device(self, line: int) -> DeviceStats:
        if self.context_kind == BLK and self.context is not None:
            self.blk_device = self.context
        if self.blk_device is None:
            self.blk_device = self._known(BLK) or self.device(BLK, "request-shape", line)
        return self.blk_device

    def _known(self, kind: str) -> DeviceStats | None:
        """The most recently bound device of ``kind`` (or the first discovered one)."""
        candidates = [label for k, label in self.discovered if k == kind]
        bound = [label for label in candidates if label in self.bound]
        if bound:
            return self.devices.get(bound[-1]) or self.device(bound[-1], "request-shape", None)
        if candidates:
            return self.device(candidates[0], "request-shape", None)
        return self.devices.get(kind)
