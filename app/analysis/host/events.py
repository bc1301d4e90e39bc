"""Events read from QEMU's trace lines (``formats.qemu_trace``): what the VMM did to the guest's
memory, seen from the host.

Kept out of ``app.analysis.model`` because only the host view consumes them. ``host_time`` is
the trace's own clock when the line carries the log backend's ``PID@SECONDS.MICROS:`` prefix
(absolute seconds since the epoch), else ``None``; ``time`` is the scanner's relative time of
a leading stamp as for every event. Addresses are guest-physical unless a name says ``host``.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.analysis.model import Event


@dataclass(slots=True)
class HostEvent(Event):
    host_time: float | None


@dataclass(slots=True)
class HostConversion(HostEvent):
    """``kvm_convert_memory``: KVM flipped the range's attribute (guest_memfd private or not)."""

    start: int
    size: int
    to_private: bool


@dataclass(slots=True)
class HostMemoryFault(HostEvent):
    """``kvm_memory_fault``: a KVM_EXIT_MEMORY_FAULT; ``private`` is the access the guest made."""

    start: int
    size: int
    flags: int
    private: bool


@dataclass(slots=True)
class HostMapGpaRange(HostEvent):
    """``kvm_hc_map_gpa_range``: the guest's KVM_HC_MAP_GPA_RANGE hypercall (SEV/SNP)."""

    gpa: int
    size: int
    attributes: int
    flags: int


@dataclass(slots=True)
class HostLaunchStart(HostEvent):
    """``kvm_sev_init``, ``kvm_sev_launch_start``, ``kvm_sev_snp_launch_start``."""

    technology: str  # "sev" | "sev-snp"
    policy: int | None


@dataclass(slots=True)
class HostLaunchUpdate(HostEvent):
    """A range put into the guest before it runs: ``kvm_sev_snp_launch_update`` (``page_type``
    is QEMU's name: normal, zero, unmeasured, secrets, cpuid, vmsa), ``kvm_sev_launch_update_data``
    (``gpa`` None: SEV logs the host address only) or TDX's ``kvm_tdx_init_mem_region``
    (``page_type`` is the TDVF section type, ``measured`` its EXTENDMR attribute)."""

    technology: str  # "sev" | "sev-snp" | "tdx"
    gpa: int | None
    size: int
    page_type: str
    measured: bool


@dataclass(slots=True)
class HostLaunchFinish(HostEvent):
    """``kvm_sev_launch_finish`` / ``kvm_sev_snp_launch_finish``: the guest starts after this."""

    technology: str


@dataclass(slots=True)
class HostRegisterRegion(HostEvent):
    """``kvm_memcrypt_register_region``: a host range pinned for SEV (host address)."""

    host_address: int
    size: int


@dataclass(slots=True)
class HostMemorySlot(HostEvent):
    """``kvm_set_user_memory``: a KVM memory slot; ``guest_memfd`` >= 0 marks private-capable
    memory (None on QEMU versions that do not print it); size 0 deletes the slot."""

    address_space: int
    slot: int
    flags: int
    gpa: int
    size: int
    guest_memfd: int | None


@dataclass(slots=True)
class HostReset(HostEvent):
    """A system reset or shutdown seen by the host: ``kvm_run_exit_system_event`` (type 2 is
    KVM_SYSTEM_EVENT_RESET, 1 SHUTDOWN, 3 CRASH), ``qemu_system_shutdown_request``,
    ``tdx_handle_reset``."""

    kind: str  # "reset" | "shutdown" | "crash" | "shutdown-request" | "terminated"
    detail: str


HOST_EVENT_TYPES: frozenset[type] = frozenset(
    {
        HostConversion,
        HostMemoryFault,
        HostMapGpaRange,
        HostLaunchStart,
        HostLaunchUpdate,
        HostLaunchFinish,
        HostRegisterRegion,
        HostMemorySlot,
        HostReset,
    }
)
"""Every host event class: the VMM's lines, which the firmware replay must not see (a trace
line between two firmware lines is not the firmware moving on, e.g. past ExitBootServices)."""
