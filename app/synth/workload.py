"""The workload declaration: what the synthesizer is asked to boot.

A workload names a platform, an edk2 release, whether the reserved shared-memory pool is on, the
devices that do DMA (with request counts, sizes and read/write mix) and the faults to inject.
It is plain data, loadable from JSON, and validated up front so the writer never discovers a
contradiction halfway through a 500 MB log. Every problem raises ``WorkloadError`` with a message
that names the offending field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.analysis.errors import WorkloadError

PLATFORMS = ("sev", "sev-es", "sev-snp", "tdx")
DEVICE_KINDS = ("virtio-blk", "virtio-scsi", "virtio-net", "virtio-rng", "virtio-gpu", "fw-cfg")

#: fault kind -> rule ID of the finding the engine is expected to report.
FAULT_RULES: dict[str, str] = {
    "leak": "IOMMU-001",
    "unknown-unmap": "IOMMU-002",
    "double-unmap": "IOMMU-003",
    "free-mapped": "IOMMU-004",
    "unknown-free": "IOMMU-005",
    "commonbuffer-not-allocated": "IOMMU-006",
    "above-4g": "IOMMU-007",
    "pool-exhaustion": "POOL-001",
    "duplicate-slot": "POOL-002",
    "redundant-decrypt": "PAGE-001",
    "redundant-encrypt": "PAGE-002",
    "state-mismatch": "PAGE-003",
    "shared-at-handoff": "PAGE-004",
    "assert": "BOOT-001",
    "exception": "BOOT-001",
    "truncated": "BOOT-002",
}
FAULT_KINDS = tuple(FAULT_RULES)
#: faults that end the boot where they happen (the log stops, an ASSERT, a CPU exception).
STOP_KINDS = ("truncated", "assert", "exception")
POOL_SIZES = ("4K", "32K", "128K", "1M", "2M")

#: earliest edk2 release we model for each platform (SEV-ES 202011, SNP 202202, TDX 202205).
MIN_EDK2 = {"sev": "202011", "sev-es": "202011", "sev-snp": "202202", "tdx": "202205"}
POOL_MIN_EDK2 = "202302"
POOL_FIX_EDK2 = "202511"

#: PCI functions the base logs already use (host bridge, VGA, NIC, LPC/SATA/SMBus).
RESERVED_BDFS = frozenset({"00:00.0", "00:01.0", "00:02.0", "00:1f.0", "00:1f.2", "00:1f.3"})
_BDF_RE = re.compile(r"^([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$")
_EDK2_RE = re.compile(r"^20[12][0-9](0[1-9]|1[0-2])$")

DEFAULT_SIZES: dict[str, tuple[int, ...]] = {
    "virtio-blk": (512, 4096, 65536, 1048576),
    "virtio-scsi": (512, 4096, 65536),
    "virtio-net": (60, 342, 590, 1514),
    "virtio-rng": (32, 64),
    "virtio-gpu": (24, 40, 72),
    "fw-cfg": (4, 8, 128, 1024, 4096),
}
MAX_REQUEST_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class DeviceSpec:
    """One DMA-capable device: its kind, PCI address, request count, sizes and mix."""

    kind: str
    bdf: str | None = None
    requests: int = 10
    sizes: tuple[int, ...] = ()
    write_ratio: float = 0.3

    @property
    def label(self) -> str:
        """How the ground truth names the device, e.g. ``virtio-blk 00:03.0`` or ``fw-cfg``."""
        return self.kind if self.bdf is None else f"{self.kind} {self.bdf}"

    @property
    def is_pci(self) -> bool:
        return self.kind != "fw-cfg"

    def request_sizes(self) -> tuple[int, ...]:
        return self.sizes or DEFAULT_SIZES[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "bdf": self.bdf,
            "requests": self.requests,
            "sizes": list(self.sizes),
            "write_ratio": self.write_ratio,
        }


@dataclass(frozen=True)
class FaultSpec:
    """One injected fault. ``device`` is a device label, ``at`` a request index of it."""

    kind: str
    device: str | None = None
    at: int | None = None
    size: str | None = None
    variant: str | None = None

    @property
    def rule_id(self) -> str:
        return FAULT_RULES[self.kind]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for key in ("device", "at", "size", "variant"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


HOST_DISAGREEMENTS = ("missed", "extra")
"""Host-trace disagreements the synthesizer can inject: ``missed`` drops the host's conversion
of one guest conversion (HOST-001), ``extra`` adds a host conversion during DXE that no guest
line asks for (HOST-002)."""


@dataclass(frozen=True)
class HostTraceSpec:
    """Also write the QEMU trace lines the conversions cause (``app.synth.hosttrace``)."""

    disagreements: tuple[str, ...] = ()
    at: int = 3  # which guest conversion (0-based) the disagreements sit next to

    def to_dict(self) -> dict[str, Any]:
        return {"disagreements": list(self.disagreements), "at": self.at}


@dataclass(frozen=True)
class Workload:
    """A declared boot: platform, firmware release, pool mode, devices and faults."""

    name: str
    seed: int
    platform: str
    edk2: str
    pool: bool
    devices: tuple[DeviceSpec, ...]
    boot_exits_cleanly: bool = True
    faults: tuple[FaultSpec, ...] = ()
    scale: int = 1
    cpus: int = 2
    host: HostTraceSpec | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def pool_active(self) -> bool:
        return self.pool and self.edk2 >= POOL_MIN_EDK2

    def with_requests(self, requests: int) -> Workload:
        """The same workload with every device's request count replaced (benchmarks)."""
        devices = tuple(
            DeviceSpec(d.kind, d.bdf, requests, d.sizes, d.write_ratio) for d in self.devices
        )
        return Workload(
            self.name,
            self.seed,
            self.platform,
            self.edk2,
            self.pool,
            devices,
            self.boot_exits_cleanly,
            self.faults,
            self.scale,
            self.cpus,
            self.host,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "platform": self.platform,
            "edk2": self.edk2,
            "pool": self.pool,
            "devices": [d.to_dict() for d in self.devices],
            "boot_exits_cleanly": self.boot_exits_cleanly,
            "faults": [f.to_dict() for f in self.faults],
            "scale": self.scale,
            "cpus": self.cpus,
            **({"host": self.host.to_dict()} if self.host is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workload:
        """Build and validate a workload from JSON-like data."""
        if not isinstance(data, Mapping):
            raise WorkloadError("workload must be a JSON object")
        _reject_unknown(data, _WORKLOAD_KEYS, "workload")
        for key in ("name", "seed", "platform", "edk2"):
            if key not in data:
                raise WorkloadError(f"workload: missing required field {key!r}")
        devices = data.get("devices", [])
        faults = data.get("faults", [])
        if not isinstance(devices, list):
            raise WorkloadError("workload.devices must be a list")
        if not isinstance(faults, list):
            raise WorkloadError("workload.faults must be a list")
        return cls(
            name=_typed(data, "name", str, "workload"),
            seed=_typed(data, "seed", int, "workload"),
            platform=_typed(data, "platform", str, "workload"),
            edk2=str(data["edk2"]) if isinstance(data["edk2"], int) else data["edk2"],
            pool=_typed(data, "pool", bool, "workload", default=False),
            devices=tuple(_device_from_dict(d, i) for i, d in enumerate(devices)),
            boot_exits_cleanly=_typed(data, "boot_exits_cleanly", bool, "workload", True),
            faults=tuple(_fault_from_dict(f, i) for i, f in enumerate(faults)),
            scale=_typed(data, "scale", int, "workload", default=1),
            cpus=_typed(data, "cpus", int, "workload", default=2),
            host=_host_from_dict(data.get("host")),
        )


_WORKLOAD_KEYS = frozenset(
    {
        "name",
        "seed",
        "platform",
        "edk2",
        "pool",
        "devices",
        "boot_exits_cleanly",
        "faults",
        "scale",
        "cpus",
        "host",
    }
)
_DEVICE_KEYS = frozenset({"kind", "bdf", "requests", "sizes", "write_ratio"})
_FAULT_KEYS = frozenset({"kind", "device", "at", "size", "variant"})


def _host_from_dict(data: Any) -> HostTraceSpec | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise WorkloadError("workload.host must be an object")
    _reject_unknown(data, frozenset({"disagreements", "at"}), "workload.host")
    kinds = data.get("disagreements", [])
    if not isinstance(kinds, list) or any(k not in HOST_DISAGREEMENTS for k in kinds):
        raise WorkloadError(f"workload.host.disagreements: choose from {list(HOST_DISAGREEMENTS)}")
    return HostTraceSpec(tuple(kinds), _typed(data, "at", int, "workload.host", default=3))


def _reject_unknown(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise WorkloadError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")


def _typed(data: Mapping[str, Any], key: str, kind: type, where: str, default: Any = None) -> Any:
    if key not in data or data[key] is None:
        if default is None:
            raise WorkloadError(f"{where}: missing required field {key!r}")
        return default
    value = data[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise WorkloadError(f"{where}.{key} must be an integer, got {value!r}")
    if kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise WorkloadError(f"{where}.{key} must be a number, got {value!r}")
    if kind in (str, bool) and not isinstance(value, kind):
        raise WorkloadError(f"{where}.{key} must be a {kind.__name__}, got {value!r}")
    return float(value) if kind is float else value


def _device_from_dict(data: Any, index: int) -> DeviceSpec:
    where = f"devices[{index}]"
    if not isinstance(data, Mapping):
        raise WorkloadError(f"{where} must be an object")
    _reject_unknown(data, _DEVICE_KEYS, where)
    sizes = data.get("sizes", [])
    if isinstance(sizes, int) and not isinstance(sizes, bool):
        sizes = [sizes]
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in sizes
    ):
        raise WorkloadError(f"{where}.sizes must be a list of integers (bytes)")
    bdf = data.get("bdf")
    if bdf is not None and not isinstance(bdf, str):
        raise WorkloadError(f"{where}.bdf must be a string like '00:03.0'")
    return DeviceSpec(
        kind=_typed(data, "kind", str, where),
        bdf=bdf.lower() if bdf else None,
        requests=_typed(data, "requests", int, where, default=10),
        sizes=tuple(sizes),
        write_ratio=_typed(data, "write_ratio", float, where, default=0.3),
    )


def _fault_from_dict(data: Any, index: int) -> FaultSpec:
    where = f"faults[{index}]"
    if not isinstance(data, Mapping):
        raise WorkloadError(f"{where} must be an object")
    _reject_unknown(data, _FAULT_KEYS, where)
    at = data.get("at")
    if at is not None and (isinstance(at, bool) or not isinstance(at, int)):
        raise WorkloadError(f"{where}.at must be an integer request index")
    for key in ("device", "size", "variant"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise WorkloadError(f"{where}.{key} must be a string")
    return FaultSpec(
        kind=_typed(data, "kind", str, where),
        device=data.get("device"),
        at=at,
        size=data.get("size"),
        variant=data.get("variant"),
    )


def _validate(w: Workload) -> None:
    if not w.name or len(w.name) > 100:
        raise WorkloadError("workload.name must be 1-100 characters")
    if w.platform not in PLATFORMS:
        raise WorkloadError(f"workload.platform must be one of {', '.join(PLATFORMS)}")
    if not isinstance(w.edk2, str) or not _EDK2_RE.match(w.edk2):
        raise WorkloadError(f"workload.edk2 must be a release like '202402', got {w.edk2!r}")
    if w.edk2 < MIN_EDK2[w.platform]:
        raise WorkloadError(
            f"{w.platform} is not supported by edk2 {w.edk2} (needs >= {MIN_EDK2[w.platform]})"
        )
    if w.host is not None and w.platform not in ("sev-snp", "tdx"):
        raise WorkloadError("workload.host: only SEV-SNP and TDX guests convert through the host")
    if w.pool and w.edk2 < POOL_MIN_EDK2:
        raise WorkloadError(
            f"the reserved shared-memory pool only exists from edk2 {POOL_MIN_EDK2}; "
            f"set pool to false for edk2 {w.edk2}"
        )
    if w.scale < 1:
        raise WorkloadError("workload.scale must be >= 1")
    if not 1 <= w.cpus <= 512:
        raise WorkloadError("workload.cpus must be between 1 and 512")
    _validate_devices(w.devices)
    _validate_faults(w)


def _validate_devices(devices: tuple[DeviceSpec, ...]) -> None:
    seen: set[str] = set()
    for i, d in enumerate(devices):
        where = f"devices[{i}]"
        if d.kind not in DEVICE_KINDS:
            raise WorkloadError(f"{where}.kind must be one of {', '.join(DEVICE_KINDS)}")
        if d.kind == "fw-cfg":
            if d.bdf is not None:
                raise WorkloadError(f"{where}: fw-cfg is not a PCI device; remove 'bdf'")
        else:
            if d.bdf is None or not _BDF_RE.match(d.bdf):
                raise WorkloadError(f"{where}.bdf must look like '00:03.0' (bus:dev.fn)")
            if d.bdf in RESERVED_BDFS:
                raise WorkloadError(f"{where}.bdf {d.bdf} is taken by a device of the base log")
        if d.label in seen:
            raise WorkloadError(f"{where}: duplicate device {d.label!r}")
        seen.add(d.label)
        if d.requests < 0:
            raise WorkloadError(f"{where}.requests must be >= 0")
        for s in d.sizes:
            if not 1 <= s <= MAX_REQUEST_BYTES:
                raise WorkloadError(f"{where}.sizes: {s} is outside 1..{MAX_REQUEST_BYTES} bytes")
            if d.kind in ("virtio-blk", "virtio-scsi") and s % 512:
                raise WorkloadError(f"{where}.sizes: {s} is not a multiple of 512 (block size)")
        if not 0.0 <= d.write_ratio <= 1.0:
            raise WorkloadError(f"{where}.write_ratio must be between 0 and 1")


def _validate_faults(w: Workload) -> None:
    labels = {d.label: d for d in w.devices}
    stops = [f for f in w.faults if f.kind in STOP_KINDS]
    if len(stops) > 1:
        raise WorkloadError(
            "faults: at most one of 'truncated', 'assert' and 'exception' can be injected"
        )
    if stops and w.boot_exits_cleanly:
        raise WorkloadError(
            f"faults: '{stops[0].kind}' ends the boot early; set boot_exits_cleanly to false"
        )
    if (
        not w.boot_exits_cleanly
        and not stops
        and any(f.kind == "shared-at-handoff" for f in w.faults)
    ):
        raise WorkloadError(
            "faults: 'shared-at-handoff' needs a boot that reaches ExitBootServices"
        )
    for i, f in enumerate(w.faults):
        where = f"faults[{i}]"
        if f.kind not in FAULT_RULES:
            raise WorkloadError(f"{where}.kind must be one of {', '.join(FAULT_KINDS)}")
        if f.device is not None and f.device not in labels:
            raise WorkloadError(f"{where}.device {f.device!r} is not a declared device label")
        if f.at is not None and f.at < 0:
            raise WorkloadError(f"{where}.at must be >= 0")
        if f.size is not None and f.size not in POOL_SIZES:
            raise WorkloadError(f"{where}.size must be one of {', '.join(POOL_SIZES)}")
        _validate_fault_kind(w, f, where, labels)


def _validate_fault_kind(
    w: Workload, f: FaultSpec, where: str, labels: dict[str, DeviceSpec]
) -> None:
    if f.kind in ("pool-exhaustion", "duplicate-slot") and not w.pool_active:
        raise WorkloadError(f"{where}: '{f.kind}' needs the reserved pool (pool: true, >= 202302)")
    if f.kind == "duplicate-slot":
        if w.edk2 >= POOL_FIX_EDK2:
            raise WorkloadError(
                f"{where}: 'duplicate-slot' is the 1M/2M mask bug fixed in edk2 {POOL_FIX_EDK2}"
            )
        if f.size not in (None, "1M", "2M"):
            raise WorkloadError(f"{where}: 'duplicate-slot' size must be 1M or 2M")
    if f.kind == "pool-exhaustion" and f.size in ("1M", "2M") and w.edk2 < POOL_FIX_EDK2:
        raise WorkloadError(
            f"{where}: before edk2 {POOL_FIX_EDK2} the 1M/2M ranges never report full "
            "(mask bug); use 'duplicate-slot' or a 4K/32K/128K size"
        )
    if f.kind == "state-mismatch" and f.variant not in (None, "missing", "wrong-range"):
        raise WorkloadError(f"{where}: 'state-mismatch' variant must be missing or wrong-range")
    needs_pci = ("leak", "double-unmap", "free-mapped")
    if f.kind in needs_pci:
        candidates = [d for d in w.devices if d.requests > 0 and d.is_pci]
        if f.device is not None:
            candidates = [d for d in candidates if d.label == f.device]
        if not candidates:
            raise WorkloadError(f"{where}: '{f.kind}' needs a virtio device with requests > 0")
    if f.kind in STOP_KINDS and f.device is not None and labels[f.device].requests == 0:
        raise WorkloadError(f"{where}: device {f.device!r} has no requests to stop in")


__all__ = [
    "DEVICE_KINDS",
    "FAULT_KINDS",
    "FAULT_RULES",
    "PLATFORMS",
    "DeviceSpec",
    "FaultSpec",
    "Workload",
]
