"""The result document as typed dataclasses: what ``report.analyze`` returns.

One class per section of README "Result document"; ``ResultDocument.to_dict()`` is the JSON the
CLI prints, the API serves and the service stores, ``ResultDocument.from_dict()`` reads it back
(the shape is declared once, here: ``jsondata`` maps fields to keys by name). Stored documents
of another ``schema_version`` are not read as this shape; the service marks them stale instead
(``is_current``).

Free-form parts stay JSON objects on purpose: a finding's ``details`` (each rule its own), the
event counts by kind, and the firmware section (``FirmwareReport.to_dict()``, with its own
dataclasses in ``app.analysis.firmware``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.analysis.host.document import HostSection
from app.analysis.jsondata import OMIT_NONE, from_json, to_json
from app.analysis.jsondata import DocumentError as DocumentError  # raised by from_dict

SCHEMA_VERSION = 5  # 4: the optional ``host`` section; 5: ``modules``, ``fingerprint_version``
ENGINE_VERSION = "0.3.0"  # 0.3.0: fingerprints version 2 (numbers and addresses wildcarded)

JsonObject = dict[str, Any]


def _seen() -> Any:
    """A platform fact present in the JSON only when the log showed it."""
    return field(default=None, metadata=OMIT_NONE)


# --- source, platform, boot ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    sha256: str
    bytes: int  # as given (compressed if it was)
    decompressed_bytes: int
    compressed: bool
    lines: int
    synthesized: bool
    synthesized_header: str | None
    has_timestamps: bool


@dataclass(frozen=True, slots=True)
class Ghcb:
    base: int
    pages: int
    line: int


@dataclass(frozen=True, slots=True)
class Cpus:
    boot: int
    max: int


@dataclass(frozen=True, slots=True)
class PoolRange:
    base: int
    pages: int


@dataclass(frozen=True, slots=True)
class MemoryRange:
    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """One line the platform decision used: what it showed and which platform it points to."""

    what: str
    line: int
    platform: str


@dataclass(frozen=True, slots=True)
class Platform:
    """``kind`` is decided by ``BootTracker`` (the one owner); the rest is what the log showed.
    ``none`` is a claim with evidence like the others; without evidence ``kind`` is unknown."""

    kind: str  # none, sev, sev-es, sev-snp, tdx, unknown
    evidence_line: int | None
    evidence: tuple[Evidence, ...]
    encryption_mask: str | None  # hex
    reserved_pool: bool
    accepted_ranges: tuple[MemoryRange, ...]
    unaccepted_ranges: tuple[MemoryRange, ...]
    cpus: Cpus | None = _seen()
    ghcb: Ghcb | None = _seen()
    ghcb_backup: Ghcb | None = _seen()
    gpaw: int | None = _seen()
    td_hob: int | None = _seen()
    fw_cfg_dma: bool | None = _seen()
    reserved_pool_range: PoolRange | None = _seen()
    iommu_protocol_line: int | None = _seen()
    nvvarstore_shared: int | bool | None = _seen()
    sev_es_ap_memory: int | bool | None = _seen()
    sev_es_flash: int | bool | None = _seen()
    tdx_cc_attr: int | bool | None = _seen()


@dataclass(frozen=True, slots=True)
class BootOptionSeen:
    line: int
    description: str


@dataclass(frozen=True, slots=True)
class Failure:
    """Why the boot stopped. ``kind``: assert, exception, vc-error, ve-error, vmm-error,
    unable-to-boot, kernel-panic. For a crash: the vector, RIP (hex) and the module it is in."""

    kind: str
    line: int
    text: str
    vector: int | None = None
    rip: str | None = None
    module: str | None = None


@dataclass(frozen=True, slots=True)
class Boot:
    """The last boot cycle (the one a reviewer opens first); ``cycles`` says how many."""

    outcome: str  # failed, shutdown, reset, handed-off, booted, truncated
    reached_phase: str | None
    exit_boot_services_line: int | None  # decided by BootTracker (the one owner)
    boot_options: tuple[BootOptionSeen, ...]
    failure: Failure | None
    cycle: int  # index of the cycle described (the last)
    cycles: int  # boot cycles in the capture


@dataclass(frozen=True, slots=True)
class BootCycle:
    """One boot of a capture with several (a reset, a reboot loop), from SEC to its end."""

    index: int
    first_line: int
    last_line: int
    platform: str
    reached_phase: str | None
    phases: tuple[str, ...]
    outcome: str
    failure: Failure | None
    findings: dict[str, int]  # counts by severity


@dataclass(frozen=True, slots=True)
class Swiotlb:
    start: int
    end: int  # inclusive, as the kernel prints it
    megabytes: int
    line: int


@dataclass(frozen=True, slots=True)
class Kernel:
    """What the guest kernel's console said (the last cycle), when the capture has it."""

    first_line: int
    version: str | None
    swiotlb: Swiotlb | None
    unaccepted_memory_line: int | None
    features: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    first_line: int
    last_line: int
    start_time: float | None
    end_time: float | None


@dataclass(frozen=True, slots=True)
class ModuleLoad:
    """A ``Loading PEIM at`` / ``Loading driver at`` / ``Loading DXE CORE at`` line: where the
    core hands over to a module's entry point (``kind`` peim, driver or dxe-core)."""

    line: int
    time: float | None
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Modules:
    """The module loads of the described cycle, in log order (the first ``MAX_LOADS``)."""

    loads: tuple[ModuleLoad, ...]
    dropped: int


@dataclass(frozen=True, slots=True)
class LineSample:
    line: int
    text: str


# --- the IoMmu replay ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attribution:
    method: str
    evidence_line: int | None
    methods: dict[str, int]


@dataclass(frozen=True, slots=True)
class Device:
    device: str
    attribution: Attribution
    maps: int
    maps_by_operation: dict[str, int]
    unmaps: int
    bytes: int
    pages: int
    bounce_bytes: int
    pool_maps: int
    legacy_maps: int
    transitions: int
    transition_pages: int
    peak_shared_pages: int
    shared_page_lines: int
    shared_page_seconds: float
    live_at_ebs: int
    first_line: int | None


@dataclass(frozen=True, slots=True)
class Pool:
    base: int
    pages: int
    slots_taken: int
    peak_slots_used: int
    fallbacks: int
    released: bool


@dataclass(frozen=True, slots=True)
class TransitionTotals:
    count: int
    pages: int
    to_shared: int
    to_private: int
    implied: int


@dataclass(frozen=True, slots=True)
class IoMmu:
    """Totals of the IoMmuDxe replay; ``handoff_line`` is where the OS took over."""

    maps: int
    unmaps: int
    legacy_maps: int
    pool_maps: int
    allocations: int
    frees: int
    set_attributes: int
    live_at_ebs: int
    live_at_end: int
    handoff_line: int | None
    pool: Pool | None
    peak_shared_pages: int
    peak_shared_line: int | None
    shared_pages_at_handoff: int | None
    shared_pages_at_end: int
    transitions: TransitionTotals
    encryption_lines_logged: bool
    pte_updates: int
    page_splits: int
    page_map_intervals: int
    mapping_records: int
    mapping_records_dropped: int


# --- findings and verdict ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    rule_version: int
    severity: str
    title: str
    explanation: str
    advice: str
    lines: tuple[int, ...]
    count: int
    key: str | None
    fingerprint: str
    fingerprint_version: int  # app.analysis.fingerprint: how ``fingerprint`` was computed
    details: JsonObject
    cycle: int  # the boot cycle (``boots`` index) the finding belongs to


@dataclass(frozen=True, slots=True)
class Verdict:
    worst_severity: str | None
    counts: dict[str, int]


# --- timeline ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharedPoint:
    line: int
    end_line: int
    time: float | None
    min: int
    max: int
    last: int


@dataclass(frozen=True, slots=True)
class SharedSeries:
    bucket_lines: int
    points: tuple[SharedPoint, ...]


@dataclass(frozen=True, slots=True)
class Transition:
    line: int
    time: float | None
    start: int
    end: int
    pages: int
    to_shared: bool
    module: str | None
    source: str
    device: str | None


@dataclass(frozen=True, slots=True)
class TransitionBucket:
    line: int
    count: int
    pages: int
    to_shared: int


@dataclass(frozen=True, slots=True)
class TransitionBuckets:
    bucket_lines: int
    buckets: tuple[TransitionBucket, ...]


@dataclass(frozen=True, slots=True)
class ModuleTransitions:
    count: int
    pages: int


@dataclass(frozen=True, slots=True)
class Transitions:
    total: int
    pages: int
    to_shared: int
    to_private: int
    implied: int
    first: tuple[Transition, ...]
    dropped: int
    per_bucket: TransitionBuckets
    by_module: dict[str, ModuleTransitions]


@dataclass(frozen=True, slots=True)
class Lifetime:
    device: str
    operation: str
    start_line: int | None
    end_line: int | None
    start_time: float | None
    end_time: float | None
    pages: int
    request_line: int | None
    mapping: int | None
    pool: bool | None = field(default=None, metadata=OMIT_NONE)  # reserved pool, else legacy


@dataclass(frozen=True, slots=True)
class Lifetimes:
    long_lived: tuple[Lifetime, ...]
    sampled: tuple[Lifetime, ...]
    long_lived_dropped: int
    sampled_dropped: int
    total: int


@dataclass(frozen=True, slots=True)
class Timeline:
    shared_pages: SharedSeries
    transitions: Transitions
    lifetimes: Lifetimes


# --- address space and debug cost ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateRange:
    start: int
    end: int
    state: str
    pages: int
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    line: int
    ranges: tuple[StateRange, ...]
    truncated: int
    shared_pages: int
    private_pages: int
    unaccepted_pages: int


@dataclass(frozen=True, slots=True)
class Label:
    start: int
    end: int
    state: str
    label: str


@dataclass(frozen=True, slots=True)
class MmioRange:
    start: int
    end: int
    pages: int


@dataclass(frozen=True, slots=True)
class AddressSpace:
    handoff: Snapshot | None
    end: Snapshot | None
    labels: tuple[Label, ...]
    mmio_shared: tuple[MmioRange, ...]


@dataclass(frozen=True, slots=True)
class ModuleCost:
    module: str
    bytes: int
    messages: int
    exits: int


@dataclass(frozen=True, slots=True)
class SourceCost:
    source: str
    messages: int
    bytes: int
    exits: int


@dataclass(frozen=True, slots=True)
class DebugCost:
    """Estimated VM exits of the debug log, for the boot's ``platform.kind``."""

    model: str
    bytes: int
    messages: int
    exits: int
    exits_per_message: float
    modules: tuple[ModuleCost, ...]
    modules_omitted: int
    by_source: tuple[SourceCost, ...]


# --- the document --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultDocument:
    schema_version: int
    engine_version: str
    source: Source
    platform: Platform
    boot: Boot
    boots: tuple[BootCycle, ...]
    kernel: Kernel | None
    phases: tuple[Phase, ...]
    modules: Modules
    events: dict[str, int]
    recognised_lines: int
    blank_lines: int
    unrecognised_lines: int
    unrecognised_samples: tuple[LineSample, ...]
    devices: tuple[Device, ...]
    iommu: IoMmu
    findings: tuple[Finding, ...]
    fingerprint_version: int  # of every finding's fingerprint (app.analysis.fingerprint)
    verdict: Verdict
    timeline: Timeline
    address_space: AddressSpace
    debug_cost: DebugCost
    firmware: JsonObject | None
    analysis_seconds: float
    host: HostSection | None = field(default=None, metadata=OMIT_NONE)  # QEMU trace lines seen

    def to_dict(self) -> JsonObject:
        """The JSON-ready document (README "Result document")."""
        data: JsonObject = to_json(self)
        return data

    @classmethod
    def from_dict(cls, data: JsonObject) -> ResultDocument:
        """Read a stored document of this schema version (``is_current`` says whether it is);
        ``DocumentError`` when its shape does not fit."""
        return from_json(cls, data)


def is_current(data: JsonObject) -> bool:
    """True when a stored document was written by this engine in this shape: anything else is
    stale (re-analyse it) and is not read as a ``ResultDocument``."""
    return (
        data.get("schema_version") == SCHEMA_VERSION
        and data.get("engine_version") == ENGINE_VERSION
    )
