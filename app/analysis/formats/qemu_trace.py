"""QEMU's trace events from the ``log`` trace backend (``-trace EVENT`` with ``-D FILE`` or on
stderr): what the VMM did to a confidential guest's memory, whatever firmware runs.

The log backend prints ``NAME FORMAT`` per event (scripts/tracetool/backend/log.py, qemu/qemu
at 1abdde1ad42d0ebccc5e8bc574ebe805cd650102). With ``-msg timestamp=on`` QEMU up to 9.x
prefixes ``%d@%zu.%06zu:`` (thread id, then seconds.microseconds since the epoch; the
generated trace headers of those versions), which these patterns take as ``host_time``;
newer QEMU (util/log.c ``qemu_log`` at 012842c075520dbe1bd96a2fdcf4e218874ba443) prefixes an
ISO 8601 UTC time and a space instead, which the scanner consumes as the line's stamp.

Format strings (trace-events files of qemu/qemu):

- accel/kvm/trace-events (08c328682231b64878fc052a11091bea39577a6f):
  ``kvm_convert_memory "start 0x%" PRIx64 " size 0x%" PRIx64 " %s"`` (``shared_to_private``
  or ``private_to_shared``, kvm-all.c), ``kvm_memory_fault "start 0x%" PRIx64 " size 0x%"
  PRIx64 " flags 0x%" PRIx64``, ``kvm_set_user_memory "AddrSpace#%d Slot#%d flags=0x%x
  gpa=0x%"PRIx64 " size=0x%"PRIx64 " ua=0x%"PRIx64 " guest_memfd=%d" " guest_memfd_offset=0x%"
  PRIx64 " ret=%d"`` (older QEMU prints no ``AddrSpace#`` and no guest_memfd part),
  ``kvm_run_exit_system_event "cpu_index %d, system_even_type %"PRIu32``.
- target/i386/trace-events (cb61b174620abc41badf12b4caedb85c1747605c): ``kvm_sev_init ""``,
  ``kvm_memcrypt_register_region "addr %p len 0x%zx"`` (``0x%zu`` in QEMU before 2021, so the
  digits may be decimal), ``kvm_sev_change_state "%s -> %s"``, ``kvm_sev_launch_start "policy
  0x%x session %p pdh %p"``, ``kvm_sev_launch_update_data "addr %p len 0x%zx"``,
  ``kvm_sev_launch_measurement "data %s"``, ``kvm_sev_launch_finish ""``,
  ``kvm_sev_snp_launch_start "policy 0x%" PRIx64 " gosvw %s"``, ``kvm_sev_snp_launch_update
  "src 0x%" PRIx64 " gpa 0x%" PRIx64 " len 0x%" PRIx64 " (%s page)"`` with the page type from
  sev.c ``snp_page_type_to_str``: Normal, Vmsa, Zero, Unmeasured, Secrets, Cpuid, unknown,
  ``kvm_sev_snp_launch_finish "id_block %s id_auth %s host_data %s"``.
- target/i386/kvm/trace-events (05caf2690e5a29a25928c6717c4204ea3c0bfee3):
  ``kvm_hc_map_gpa_range "gpa 0x%" PRIx64 " size 0x%" PRIx64 " attributes 0x%" PRIx64 " flags
  0x%" PRIx64``, ``tdx_handle_reset ""``.
- system/trace-events (1f3241bcaeee0df47f72edf6abad71fe36f3b0e7):
  ``qemu_system_shutdown_request "reason=%d"``.
- system/runstate.c (``qemu_kill_report``, qemu/qemu as stored): ``error_report("terminating
  on signal %d")`` and ``"terminating on signal %d from pid " FMT_pid " (%s)"``: QEMU stopped
  by a signal (Ctrl-C, ``cvmreview capture`` stopping it), a ``HostReset`` of kind
  ``terminated`` rather than a VMM error.
- Any other trace event with the log backend's timestamp prefix (``PID@SECONDS.MICROS:name
  ...``) is recognised as QEMU's (chatter): a capture with ``-trace fw_cfg_*`` is a VMM log.
- TDX's ``kvm_tdx_init_mem_region type=0x%x attributes=0x%x source=0x%lx gfn=0x%lx
  nr_pages=0x%lx`` is not in upstream QEMU (upstream tdx.c calls KVM_TDX_INIT_MEM_REGION
  without a trace event); the format is the one of Intel's TDX QEMU tree as printed in
  app/data/logs/007-freelancer-leon-tdx-lazy-accept-excerpt.log (type: the TDVF section type,
  attributes bit 0: MR.EXTEND).

``KVM_MEMORY_EXIT_FLAG_PRIVATE`` (1 << 3) and ``KVM_SYSTEM_EVENT_SHUTDOWN/RESET/CRASH``
(1/2/3) come from Linux include/uapi/linux/kvm.h.
"""

from __future__ import annotations

from app.analysis.formats.base import Groups, LinePattern, chatter, dec_int, hex_int, text
from app.analysis.host.events import (
    HostConversion,
    HostLaunchFinish,
    HostLaunchStart,
    HostLaunchUpdate,
    HostMapGpaRange,
    HostMemoryFault,
    HostMemorySlot,
    HostRegisterRegion,
    HostReset,
)

MEMORY_EXIT_FLAG_PRIVATE = 1 << 3
PAGE = 0x1000
MEASURED_SNP_PAGE_TYPES = frozenset({"normal", "vmsa"})
"""SNP page types whose contents go into the launch digest (the others only their GPA/type)."""
TDVF_SECTION_NAMES = ("bfv", "cfv", "td-hob", "temp-mem", "perm-mem", "payload", "payload-param")
_SYSTEM_EVENTS = {1: "shutdown", 2: "reset", 3: "crash"}

PREFIX = rb"(?:\d+@(\d+\.\d+):)?"
"""The log backend's ``-msg timestamp=on`` prefix (first group: seconds.micros)."""
_X = rb"0x([0-9a-fA-F]+)"
_PTR = rb"(?:0x[0-9a-fA-F]+|\(nil\))"


def _seconds(raw: bytes | None) -> float | None:
    return float(raw) if raw else None


def _convert(g: Groups, line: int, time: float | None) -> HostConversion:
    return HostConversion(
        line, time, _seconds(g[0]), hex_int(g[1]), hex_int(g[2]), g[3] == b"shared_to_private"
    )


def _fault(g: Groups, line: int, time: float | None) -> HostMemoryFault:
    flags = hex_int(g[3])
    return HostMemoryFault(
        line,
        time,
        _seconds(g[0]),
        hex_int(g[1]),
        hex_int(g[2]),
        flags,
        bool(flags & MEMORY_EXIT_FLAG_PRIVATE),
    )


def _map_gpa(g: Groups, line: int, time: float | None) -> HostMapGpaRange:
    return HostMapGpaRange(
        line, time, _seconds(g[0]), hex_int(g[1]), hex_int(g[2]), hex_int(g[3]), hex_int(g[4])
    )


def _sev_init(g: Groups, line: int, time: float | None) -> HostLaunchStart:
    return HostLaunchStart(line, time, _seconds(g[0]), "sev", None)


def _launch_start(g: Groups, line: int, time: float | None) -> HostLaunchStart:
    technology = "sev-snp" if g[1] == b"snp_" else "sev"
    return HostLaunchStart(line, time, _seconds(g[0]), technology, hex_int(g[2]))


def _snp_update(g: Groups, line: int, time: float | None) -> HostLaunchUpdate:
    page_type = text(g[4]).lower()
    return HostLaunchUpdate(
        line,
        time,
        _seconds(g[0]),
        "sev-snp",
        hex_int(g[2]),
        hex_int(g[3]),
        page_type,
        page_type in MEASURED_SNP_PAGE_TYPES,
    )


def _sev_update(g: Groups, line: int, time: float | None) -> HostLaunchUpdate:
    return HostLaunchUpdate(line, time, _seconds(g[0]), "sev", None, hex_int(g[1]), "data", True)


def _tdx_update(g: Groups, line: int, time: float | None) -> HostLaunchUpdate:
    kind = hex_int(g[1])
    name = TDVF_SECTION_NAMES[kind] if kind < len(TDVF_SECTION_NAMES) else f"type-{kind}"
    return HostLaunchUpdate(
        line,
        time,
        _seconds(g[0]),
        "tdx",
        hex_int(g[3]) * PAGE,
        hex_int(g[4]) * PAGE,
        name,
        bool(hex_int(g[2]) & 1),
    )


def _launch_finish(g: Groups, line: int, time: float | None) -> HostLaunchFinish:
    return HostLaunchFinish(line, time, _seconds(g[0]), "sev-snp" if g[1] else "sev")


def _register(g: Groups, line: int, time: float | None) -> HostRegisterRegion:
    return HostRegisterRegion(line, time, _seconds(g[0]), hex_int(g[1]), hex_int(g[2]))


def _slot(g: Groups, line: int, time: float | None) -> HostMemorySlot:
    return HostMemorySlot(
        line,
        time,
        _seconds(g[0]),
        dec_int(g[1]),
        dec_int(g[2]),
        hex_int(g[3]),
        hex_int(g[4]),
        hex_int(g[5]),
        None if g[6] is None else int(g[6]),
    )


def _system_event(g: Groups, line: int, time: float | None) -> HostReset:
    kind = _SYSTEM_EVENTS.get(dec_int(g[2]), "system-event")
    return HostReset(line, time, _seconds(g[0]), kind, f"cpu {text(g[1])}")


def _shutdown_request(g: Groups, line: int, time: float | None) -> HostReset:
    return HostReset(line, time, _seconds(g[0]), "shutdown-request", f"reason {text(g[1])}")


def _terminated(g: Groups, line: int, time: float | None) -> HostReset:
    by = f" from pid {text(g[1])}" if g[1] else ""
    return HostReset(line, time, None, "terminated", f"signal {text(g[0])}{by}")


def _tdx_reset(g: Groups, line: int, time: float | None) -> HostReset:
    return HostReset(line, time, _seconds(g[0]), "reset", "tdx")


PATTERNS = (
    LinePattern(
        "host-convert-memory",
        PREFIX
        + rb"kvm_convert_memory start "
        + _X
        + rb" size "
        + _X
        + rb" (shared_to_private|private_to_shared)",
        _convert,
    ),
    LinePattern(
        "host-memory-fault",
        PREFIX + rb"kvm_memory_fault start " + _X + rb" size " + _X + rb" flags " + _X,
        _fault,
    ),
    LinePattern(
        "host-map-gpa-range",
        PREFIX
        + rb"kvm_hc_map_gpa_range gpa "
        + _X
        + rb" size "
        + _X
        + rb" attributes "
        + _X
        + rb" flags "
        + _X,
        _map_gpa,
    ),
    LinePattern("host-sev-init", PREFIX + rb"kvm_sev_init ?", _sev_init),
    LinePattern(
        "host-launch-start",
        PREFIX + rb"kvm_sev_(snp_)?launch_start policy " + _X + rb" .*",
        _launch_start,
    ),
    LinePattern(
        "host-snp-launch-update",
        PREFIX
        + rb"kvm_sev_snp_launch_update src "
        + _X
        + rb" gpa "
        + _X
        + rb" len "
        + _X
        + rb" \((\w+) page\)",
        _snp_update,
    ),
    LinePattern(
        "host-sev-launch-update",
        PREFIX + rb"kvm_sev_launch_update_data addr " + _PTR + rb" len " + _X,
        _sev_update,
    ),
    LinePattern(
        "host-tdx-init-mem-region",
        PREFIX
        + rb"kvm_tdx_init_mem_region type="
        + _X
        + rb" attributes="
        + _X
        + rb" source=0x[0-9a-fA-F]+ gfn="
        + _X
        + rb" nr_pages="
        + _X
        + rb"(?:\s.*)?",
        _tdx_update,
    ),
    LinePattern(
        "host-launch-finish",
        PREFIX + rb"kvm_sev_(snp_)?launch_finish(?: id_block .*)? ?",
        _launch_finish,
    ),
    LinePattern(
        "host-register-region",
        PREFIX + rb"kvm_memcrypt_register_region addr 0x([0-9a-fA-F]+) len " + _X,
        _register,
    ),
    LinePattern(
        "host-memory-slot",
        PREFIX
        + rb"kvm_set_user_memory (?:AddrSpace#(\d+) )?Slot#(\d+) flags="
        + _X
        + rb" gpa="
        + _X
        + rb" size="
        + _X
        + rb" ua=0x[0-9a-fA-F]+(?: guest_memfd=(-?\d+) guest_memfd_offset=0x[0-9a-fA-F]+)?"
        rb" ret=-?\d+(?:\s.*)?",
        _slot,
    ),
    LinePattern(
        "host-system-event",
        PREFIX + rb"kvm_run_exit_system_event cpu_index (\d+), system_even_type (\d+)",
        _system_event,
    ),
    LinePattern(
        "host-shutdown-request",
        PREFIX + rb"qemu_system_shutdown_request reason=(-?\d+)",
        _shutdown_request,
    ),
    LinePattern("host-tdx-reset", PREFIX + rb"tdx_handle_reset ?", _tdx_reset),
    LinePattern(
        "host-terminated",
        rb"(?:qemu-system-[\w-]+|qemu-kvm): terminating on signal (\d+)(?: from pid (\d+).*)?",
        _terminated,
    ),
    chatter("host-trace-other", rb"\d+@\d+\.\d+:[a-z][a-z0-9_]*(?: .*)?"),
    chatter(
        "host-sev-chatter",
        PREFIX + rb"kvm_(?:sev_change_state \S+ -> \S+|sev_launch_measurement data \S+"
        rb"|memcrypt_unregister_region addr \S+ len 0x[0-9a-fA-F]+)",
    ),
)
