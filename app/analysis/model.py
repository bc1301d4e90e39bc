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
    KERNEL = "kernel"  # the guest kernel's console (its EFI stub, then Linux proper)


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
    ``tdx-cc-attr`` (value = CCAttr), ``pei-memory`` (value = MemoryBegin),
    ``fw-cfg-probe`` (PEI's ``QemuFwCfgProbe: Supported %d, DMA %d``; value = the DMA bit,
    which QemuFwCfgPei.c clears in every SEV or TDX guest).
    """

    name: str
    value: int | None = None


@dataclass(slots=True)
class CpuVendor(Event):
    """``PlatformAddressWidthFromCpuid: Signature: '%a', PhysBits: %d, ...``: the CPUID vendor
    (``AuthenticAMD``, ``GenuineIntel``) PEI saw, so which family of confidential computing
    (SEV or TDX) a hint such as ``DMA 0`` points to."""

    vendor: str
    phys_bits: int


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


# --- crashes, resets, boot options, the VMM and the guest kernel --------------------------


@dataclass(slots=True)
class CpuException(Event):
    """``!!!! X64 Exception Type - %02x(%a)  CPU Apic ID - %08x !!!!`` (or ``IA32``): the first
    line of CpuExceptionHandlerLib's dump. ``name`` is edk2's text, e.g. ``#GP - General
    Protection``; ``arch`` is ``X64`` or ``IA32``."""

    vector: int
    name: str
    apic_id: int
    arch: str


@dataclass(slots=True)
class ExceptionRegisters(Event):
    """The dump's ``RIP  - %016lx, CS  - ..., RFLAGS - ...`` (or ``EIP``/``EFLAGS``) line."""

    ip: int
    cs: int
    flags: int


@dataclass(slots=True)
class ExceptionImage(Event):
    """``!!!! Find image based on IP(0x%x) %a (ImageBase=%016lp, EntryPoint=%016p) !!!!``
    (``found``) or ``!!!! Can't find image information. !!!!``; ``image`` is the PDB path."""

    found: bool
    ip: int | None = None
    image: str = ""
    base: int | None = None
    entry: int | None = None


@dataclass(slots=True)
class CcHandlerError(Event):
    """An error line of CcExitLib's #VC (``handler="vc"``) or TDX #VE (``"ve"``) handler.

    ``kind`` names the line (``mmio-encrypted``, ``invalid-mmio-opcode``, ``invalid-mmio-size``,
    ``tdvmcall-failed``, ``decode-failed``, ``modrm-error``, ``tdcall-failed``,
    ``ept-private``, ``address-mismatch``, ``tdgetveinfo-failed``, ``unsupported``,
    ``host-error``); ``value`` is its main number (address, opcode, status, exit reason)."""

    handler: str
    kind: str
    value: int | None
    text: str


@dataclass(slots=True)
class ResetRequest(Event):
    """``Reset System`` (``source="bare"``), ``DXE ResetSystem2: ResetType %s, Call Depth = %d.``
    (``"dxe"``) or ``PEI ResetSystem2: ...`` (``"pei"``). ``reset_type`` is ``Cold``, ``Warm``,
    ``Shutdown``, ``PlatformSpecific`` or empty when the line does not say."""

    source: str
    reset_type: str
    depth: int | None


@dataclass(slots=True)
class BootOptionAction(Event):
    """PlatformBmPrintScLib's ``BdsDxe: loading|starting Boot%04x "%s" from %s`` and
    ``BdsDxe: failed to load|start Boot%04x "%s" from %s: %r``. ``action`` is ``loading``,
    ``starting``, ``failed-load`` or ``failed-start``; ``status`` the %r text of a failure."""

    action: str
    option: str
    description: str
    device_path: str
    status: str = ""


@dataclass(slots=True)
class VmmError(Event):
    """A fatal line of the VMM in the capture: KVM's ``error: kvm run failed %s``
    (``source="kvm"``) or an ``error_report`` line ``qemu-system-x86_64: ...`` (``"qemu"``)."""

    source: str
    text: str


@dataclass(slots=True)
class VmmRegisterDump(Event):
    """The instruction-pointer line of QEMU's ``x86_cpu_dump_state`` (``EIP=%08x EFL=...`` or
    ``RIP=%016lx RFL=...``), the line that names where the vCPU stopped."""

    ip: int
    flags: int
    bits: int  # 32 | 64


@dataclass(slots=True)
class ExitBootServicesCallback(Event):
    """A line printed by a firmware module's ExitBootServices notification, so proof that the
    OS loader called ExitBootServices: MpInitLib's ``MpInitChangeApLoopCallback() done!``
    (``function`` is the name printed)."""

    function: str


@dataclass(slots=True)
class KernelMessage(Event):
    """A line of the guest kernel (or its EFI stub).

    ``kind``: ``efi-stub`` (any ``EFI stub: `` line; ``text`` holds the rest),
    ``exiting-boot-services`` (``EFI stub: Exiting boot services...``), ``linux-version``,
    ``tdx-guest`` (``tdx: Guest detected``), ``mem-encrypt`` (``Memory Encryption Features
    active: ...``; ``features`` the names), ``sev-status`` (``SEV: Status: ...``),
    ``sev`` / ``tdx`` (any other ``SEV: `` / ``tdx: `` line), ``unaccepted-memory``
    (the EFI config table line with ``Unaccepted=``)."""

    kind: str
    text: str
    features: tuple[str, ...] = ()


@dataclass(slots=True)
class SwiotlbMapped(Event):
    """``software IO TLB: mapped [mem %pa-%pa] (%luMB)``: the bounce buffer every DMA of a CVM
    goes through (``end`` is inclusive, as printed)."""

    start: int
    end: int
    megabytes: int


@dataclass(slots=True)
class KernelFault(Event):
    """``Kernel panic - not syncing: %s`` (``kind="panic"``), ``BUG: ...`` (``"bug"``),
    ``Oops: ...`` (``"oops"``) or ``WARNING: CPU: %d PID: %d at ...`` (``"warning"``)."""

    kind: str
    text: str


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
