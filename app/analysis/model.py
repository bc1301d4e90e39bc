"""The vocabulary of the analysis engine: events read from a log, findings, severities.

Every event is a small slotted dataclass; treat it as immutable (it is not declared frozen
only because frozen dataclasses cost four times as much to build, and a verbose log has
millions of events). The parser (``formats/``) turns log lines into events; the
simulator (``simulator/``) and the collectors replay them. Both sides import only this module, so
it is the contract between them. Field names follow the edk2 format strings they come from
(``../reference`` in the README), addresses are plain ints, sizes are bytes unless a name says
``pages``.

``line`` is the 1-based number of the log line the event was read from; ``time`` is the leading
timestamp of that line in seconds when the log has one, else ``None``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

PAGE_SIZE = 0x1000


class Severity(enum.IntEnum):
    """Finding severities, ordered so that ``max()`` gives the worst one."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


class Phase(enum.Enum):
    """Boot phases in the order firmware passes through them."""

    SEC = "SEC"
    PEI = "PEI"
    DXE = "DXE"
    BDS = "BDS"
    EXIT_BOOT_SERVICES = "ExitBootServices"


class PageState(enum.Enum):
    """What the simulator knows about one guest-physical page."""

    UNKNOWN = "unknown"
    PRIVATE = "private"
    SHARED = "shared"
    UNACCEPTED = "unaccepted"


class Platform(enum.Enum):
    NONE = "none"
    SEV = "sev"
    SEV_ES = "sev-es"
    SEV_SNP = "sev-snp"
    TDX = "tdx"
    UNKNOWN = "unknown"


# IoMmu operation names exactly as edk2 prints them (mBusMasterOperationName).
IOMMU_OPERATIONS = ("Read", "Write", "CommonBuffer", "Read64", "Write64", "CommonBuffer64")


@dataclass(slots=True)
class Event:
    line: int
    time: float | None


# --- platform ------------------------------------------------------------------------------


@dataclass(slots=True)
class SevEnabled(Event):
    """``SEV is enabled (mask 0x%lx)``: some SEV flavour is active; mask is the C-bit."""

    mask: int


@dataclass(slots=True)
class SevEsGhcb(Event):
    """``SEV-ES is enabled, %lu GHCB pages allocated starting at 0x%p`` (backup=False) or the
    ``GHCB backup pages`` variant (backup=True)."""

    pages: int
    base: int
    backup: bool


@dataclass(slots=True)
class PlatformHint(Event):
    """A one-line platform fact without parameters worth a class of its own.

    ``name`` is one of: ``sev-es-flash`` (QEMU Flash: SEV-ES enabled), ``nvvarstore-shared``
    (Remapping NvVarStore as shared), ``snp-known-apic-ids``, ``accepting-all-memory``,
    ``sev-es-ap-memory`` (value = address), ``fw-cfg-dma`` (value 1 supported / 0 IO port),
    ``iommu-pool-supported`` (InstallIoMmuProtocol: Feature of reserved memory ...),
    ``tdx-cc-attr`` (value = CCAttr), ``pei-memory`` (value = MemoryBegin).
    """

    name: str
    value: int | None = None


@dataclass(slots=True)
class CpuCount(Event):
    boot_cpus: int
    max_cpus: int


@dataclass(slots=True)
class TdxStarted(Event):
    """``Intel Tdx Started with (GPAW: %d, Cpus: %d)`` or the PEI-less ``Tdx started with(...)``."""

    gpaw: int
    cpus: int
    hob: int | None = None


@dataclass(slots=True)
class TdxSharedBitMask(Event):
    mask: int


@dataclass(slots=True)
class MemoryAccepted(Event):
    """A range the guest accepted: ``MpAccept : start - end (len)`` or old ``TdAccept``."""

    start: int
    end: int


@dataclass(slots=True)
class ResourceHob(Event):
    """A resource descriptor HOB dump. ``resource_type`` 7 is unaccepted memory."""

    resource_type: int
    start: int
    length: int


# --- phases, modules, devices -------------------------------------------------------------


@dataclass(slots=True)
class PhaseMarker(Event):
    """A line that proves the boot reached ``phase``; ``detail`` is the marker text."""

    phase: Phase
    detail: str


@dataclass(slots=True)
class BootOption(Event):
    """``[Bds]Booting %s``: the boot option BDS chose."""

    description: str


@dataclass(slots=True)
class BootFailure(Event):
    """An ASSERT (kind ``assert``) or ``[Bds] Unable to boot!`` (kind ``unable-to-boot``)."""

    kind: str
    text: str


@dataclass(slots=True)
class ModuleLoaded(Event):
    """``Loading PEIM at``/``Loading driver at``/``Loading DXE CORE at``; name may be empty."""

    name: str
    base: int
    entry: int
    kind: str  # "peim" | "driver" | "dxe-core"


@dataclass(slots=True)
class ProtocolInstalled(Event):
    guid: str
    interface: int


@dataclass(slots=True)
class PciDeviceFound(Event):
    """``PciBus: Discovered %s @ [bb|dd|ff]`` in any of its three versions."""

    kind: str  # PCI | PPB | P2C
    bus: int
    device: int
    function: int
    vendor_id: int | None
    device_id: int | None


@dataclass(slots=True)
class DriverMessage(Event):
    """A virtio (or other device) driver's own line, e.g. ``VirtioBlkInit: LbaSize=...`` or an
    ExitBoot ``%a: Context=0x%p``. ``function`` is the edk2 function name printed."""

    function: str
    text: str


# --- IoMmuDxe -----------------------------------------------------------------------------


@dataclass(slots=True)
class IoMmuMapRequest(Event):
    operation: str
    host: int
    bytes: int


@dataclass(slots=True)
class IoMmuMapResult(Event):
    mapping: int
    device_address: int
    crypted: int
    pages: int
    reserved_bitmap: int | None  # None: the classic (<= edk2-stable202211) line


@dataclass(slots=True)
class IoMmuUnmap(Event):
    mapping: int
    memory_map_locked: bool


@dataclass(slots=True)
class IoMmuAllocateRequest(Event):
    memory_type: int
    pages: int
    attributes: int


@dataclass(slots=True)
class IoMmuAllocateResult(Event):
    host: int
    stash: int


@dataclass(slots=True)
class IoMmuFree(Event):
    host: int
    pages: int


@dataclass(slots=True)
class IoMmuSetAttribute(Event):
    mapping: int
    access: int


@dataclass(slots=True)
class IoMmuExitBoot(Event):
    """``IoMmuExitBoot`` (stage ``exit-boot``) or ``IoMmuUnmapAllMappings`` (``unmap-all``)."""

    stage: str


@dataclass(slots=True)
class PoolInit(Event):
    """``IoMmuInitReservedSharedMem: ReservedMem (%d pages) address = 0x%llx``."""

    pages: int
    base: int


@dataclass(slots=True)
class PoolSlotTaken(Event):
    """``InternalAllocateBuffer: range-size: ..., bitmap: a => b``."""

    range_size: int
    address: int
    pages: int
    bits: int
    bitmap_before: int
    bitmap_after: int


@dataclass(slots=True)
class PoolSlotFreed(Event):
    """``IoMmuFreeBounceBuffer`` (common=False) or ``IoMmuFreeCommonBuffer`` (common=True)."""

    address: int
    bits: int
    bitmap_before: int
    bitmap_after: int
    common: bool


# --- encryption state ---------------------------------------------------------------------


@dataclass(slots=True)
class SetMemoryEncDec(Event):
    """SEV ``%a:SetMemoryEncDec: ... Mode=Encrypt|Decrypt CacheFlush=%u [Mmio=%u]``."""

    module: str
    physical: int
    length: int
    encrypt: bool
    mmio: bool | None  # None: the pre-202202 line without Mmio=


@dataclass(slots=True)
class PageStateChange(Event):
    """SNP ``%a:InternalSetPageState Address a - b State = Shared|Private LargeEntry = %d``."""

    module: str
    start: int
    end: int
    shared: bool
    large: bool


@dataclass(slots=True)
class SetMemorySharedOrPrivate(Event):
    """TDX ``%a:SetMemorySharedOrPrivate: ... Mode=Shared|Private``."""

    module: str
    physical: int
    length: int
    shared: bool


@dataclass(slots=True)
class SharedBitChange(Event):
    """TDX ``%a:SetOrClearSharedBit: pte=... Mode=0x%x``: one page-table entry, MapGPA."""

    module: str
    pte: int
    set_shared: bool


@dataclass(slots=True)
class PageSplit(Event):
    """``splitting 2MB page`` / ``splitting 1GB page`` / ``updated 1GB entry``."""

    module: str
    physical: int
    what: str  # "2MB" | "1GB" | "1GB-update"


@dataclass(slots=True)
class TdAcceptMessage(Event):
    """TdxLib ``TdAcceptPages`` messages: ``already`` accepted, level ``fallback``, ``error``."""

    kind: str
    address: int


# --- findings -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or informational note) in a boot, linked to the lines behind it.

    ``lines`` holds at most ``MAX_FINDING_LINES`` line numbers; ``count`` says how many
    occurrences there were in all. ``fingerprint`` is stable across re-analysis of the same
    boot and across boots with the same problem (rule id, rule version and ``key``).
    """

    rule_id: str
    rule_version: int
    severity: Severity
    title: str
    explanation: str
    advice: str
    lines: tuple[int, ...]
    count: int
    key: str
    fingerprint: str
    details: dict[str, object] = field(default_factory=dict)


MAX_FINDING_LINES = 50


@dataclass(frozen=True, slots=True)
class LabelledRange:
    """A guest-physical range ``[start, end)`` with the state it is known to be in and a label
    (``"SNP_SEC_MEM"``, ``"GHCB"``, ``"TD_HOB"``, ``"IoMmu pool"``...). Firmware metadata seeds
    the page map with these before the log is replayed; the address-space map draws them."""

    start: int
    end: int
    state: PageState
    label: str
