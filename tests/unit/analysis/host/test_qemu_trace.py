"""QEMU trace lines (``formats.qemu_trace``) built from the trace-events format strings cited
in the module, as the log backend prints them: plain, with the ``-msg timestamp=on`` prefix of
QEMU <= 9 (``%d@%zu.%06zu:``) and with newer QEMU's ISO 8601 prefix."""

from __future__ import annotations

import io

import pytest

from app.analysis.host.events import (
    HostConversion,
    HostEvent,
    HostLaunchFinish,
    HostLaunchStart,
    HostLaunchUpdate,
    HostMapGpaRange,
    HostMemoryFault,
    HostMemorySlot,
    HostRegisterRegion,
    HostReset,
)
from app.analysis.model import Event
from app.analysis.scanner import Scanner

# The C format strings with PRIx64/PRIu32/%zx/%p spelled the way printf expands them.
FORMATS = {
    "kvm_convert_memory": "start 0x%x size 0x%x %s",
    "kvm_memory_fault": "start 0x%x size 0x%x flags 0x%x",
    "kvm_hc_map_gpa_range": "gpa 0x%x size 0x%x attributes 0x%x flags 0x%x",
    "kvm_sev_init": "",
    "kvm_sev_launch_start": "policy 0x%x session %s pdh %s",
    "kvm_sev_launch_update_data": "addr %s len 0x%x",
    "kvm_sev_launch_finish": "",
    "kvm_sev_snp_launch_start": "policy 0x%x gosvw %s",
    "kvm_sev_snp_launch_update": "src 0x%x gpa 0x%x len 0x%x (%s page)",
    "kvm_sev_snp_launch_finish": "id_block %s id_auth %s host_data %s",
    "kvm_memcrypt_register_region": "addr %s len 0x%x",
    "kvm_set_user_memory": "AddrSpace#%d Slot#%d flags=0x%x gpa=0x%x size=0x%x ua=0x%x"
    " guest_memfd=%d guest_memfd_offset=0x%x ret=%d",
    "kvm_run_exit_system_event": "cpu_index %d, system_even_type %u",
    "qemu_system_shutdown_request": "reason=%d",
    "tdx_handle_reset": "",
    "kvm_sev_change_state": "%s -> %s",
    "kvm_sev_launch_measurement": "data %s",
}


def trace(name: str, *args: object, prefix: str = "") -> str:
    """One line as the log backend prints it: ``NAME FORMAT`` (``qemu_log("%(name)s " fmt)``)."""
    return f"{prefix}{name} " + (FORMATS[name] % args)


def events(text: str) -> list[Event]:
    return list(Scanner().iter_events(io.BytesIO(text.encode())))


def one(text: str) -> Event:
    found = events(text + "\n")
    assert len(found) == 1, found
    return found[0]


CASES = [
    (
        trace("kvm_convert_memory", 0x80000000, 0x200000, "private_to_shared"),
        HostConversion(1, None, None, 0x80000000, 0x200000, False),
    ),
    (
        trace("kvm_convert_memory", 0x1000, 0x1000, "shared_to_private"),
        HostConversion(1, None, None, 0x1000, 0x1000, True),
    ),
    (
        trace("kvm_memory_fault", 0x7F000, 0x1000, 0x8),
        HostMemoryFault(1, None, None, 0x7F000, 0x1000, 0x8, True),
    ),
    (
        trace("kvm_memory_fault", 0x7F000, 0x1000, 0x0),
        HostMemoryFault(1, None, None, 0x7F000, 0x1000, 0, False),
    ),
    (
        trace("kvm_hc_map_gpa_range", 0x100000, 0x4000, 0x10, 0x0),
        HostMapGpaRange(1, None, None, 0x100000, 0x4000, 0x10, 0),
    ),
    (trace("kvm_sev_init"), HostLaunchStart(1, None, None, "sev", None)),
    (
        trace("kvm_sev_launch_start", 0x5, "0x55d0c0a0b0c0", "(nil)"),
        HostLaunchStart(1, None, None, "sev", 5),
    ),
    (
        trace("kvm_sev_snp_launch_start", 0x30000, "00000000000000000000000000000000"),
        HostLaunchStart(1, None, None, "sev-snp", 0x30000),
    ),
    (
        trace("kvm_sev_snp_launch_update", 0x7F1234567000, 0xFFC00000, 0x400000, "Normal"),
        HostLaunchUpdate(1, None, None, "sev-snp", 0xFFC00000, 0x400000, "normal", True),
    ),
    (
        trace("kvm_sev_snp_launch_update", 0x7F1234500000, 0x80D000, 0x1000, "Secrets"),
        HostLaunchUpdate(1, None, None, "sev-snp", 0x80D000, 0x1000, "secrets", False),
    ),
    (
        trace("kvm_sev_snp_launch_update", 0x7F1234501000, 0x80E000, 0x1000, "Cpuid"),
        HostLaunchUpdate(1, None, None, "sev-snp", 0x80E000, 0x1000, "cpuid", False),
    ),
    (
        trace("kvm_sev_snp_launch_update", 0x7F1234502000, 0x800000, 0x9000, "Zero"),
        HostLaunchUpdate(1, None, None, "sev-snp", 0x800000, 0x9000, "zero", False),
    ),
    (
        trace("kvm_sev_snp_launch_update", 0x7F1234503000, 0xFFFFF000, 0x1000, "Vmsa"),
        HostLaunchUpdate(1, None, None, "sev-snp", 0xFFFFF000, 0x1000, "vmsa", True),
    ),
    (
        trace("kvm_sev_launch_update_data", "0x7f5a2c000000", 0x400000),
        HostLaunchUpdate(1, None, None, "sev", None, 0x400000, "data", True),
    ),
    (trace("kvm_sev_launch_finish"), HostLaunchFinish(1, None, None, "sev")),
    (
        trace("kvm_sev_snp_launch_finish", "AAAA", "BBBB", "0000"),
        HostLaunchFinish(1, None, None, "sev-snp"),
    ),
    (
        trace("kvm_memcrypt_register_region", "0x7f5a2c000000", 0x80000000),
        HostRegisterRegion(1, None, None, 0x7F5A2C000000, 0x80000000),
    ),
    (
        trace(
            "kvm_set_user_memory",
            0,
            1,
            0x4,
            0x100000000,
            0x180000000,
            0x7FE8A7FFF000,
            16,
            0x80000000,
            0,
        ),
        HostMemorySlot(1, None, None, 0, 1, 0x4, 0x100000000, 0x180000000, 16),
    ),
    (
        # QEMU 7.2 (Debian bookworm): no guest_memfd part
        "kvm_set_user_memory AddrSpace#0 Slot#2 flags=0x0 gpa=0xfd000000 size=0x1000000"
        " ua=0x7f3e00000000 ret=0",
        HostMemorySlot(1, None, None, 0, 2, 0, 0xFD000000, 0x1000000, None),
    ),
    (
        trace("kvm_run_exit_system_event", 0, 2),
        HostReset(1, None, None, "reset", "cpu 0"),
    ),
    (
        trace("qemu_system_shutdown_request", 6),
        HostReset(1, None, None, "shutdown-request", "reason 6"),
    ),
    (trace("tdx_handle_reset"), HostReset(1, None, None, "reset", "tdx")),
    (
        # Intel's TDX QEMU, as in app/data/logs/007 (with the author's comment after it)
        "kvm_tdx_init_mem_region type=0x0 attributes=0x1 source=0x7fea34284000 gfn=0xffc84"
        " nr_pages=0x37c //BFV",
        HostLaunchUpdate(1, None, None, "tdx", 0xFFC84000, 0x37C000, "bfv", True),
    ),
    (
        "kvm_tdx_init_mem_region type=0x2 attributes=0x0 source=0x7fea3774a000 gfn=0x809"
        " nr_pages=0x2",
        HostLaunchUpdate(1, None, None, "tdx", 0x809000, 0x2000, "td-hob", False),
    ),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_trace_lines_parse_to_host_events(line: str, expected: Event) -> None:
    assert one(line) == expected


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_the_timestamp_prefix_of_the_log_backend_is_the_host_time(
    line: str, expected: Event
) -> None:
    event = one("4242@1764599401.250001:" + line)
    assert isinstance(event, HostEvent) and isinstance(expected, HostEvent)
    assert event.host_time == pytest.approx(1764599401.250001)
    expected.host_time = event.host_time
    assert event == expected


def test_newer_qemu_iso_prefix_becomes_the_line_time() -> None:
    found = events(
        "2026-12-01T10:00:00.000000Z "
        + trace("kvm_convert_memory", 0x1000, 0x1000, "private_to_shared")
        + "\n2026-12-01T10:00:02.500000Z "
        + trace("kvm_convert_memory", 0x1000, 0x1000, "shared_to_private")
        + "\n"
    )
    assert [e.time for e in found] == [0.0, 2.5]
    assert [e.host_time for e in found if isinstance(e, HostEvent)] == [None, None]


def test_chatter_is_recognised_without_events() -> None:
    scanner = Scanner()
    text = trace("kvm_sev_change_state", "SEV_STATE_LAUNCH_UPDATE", "SEV_STATE_LAUNCH_SECRET")
    text += "\n" + trace("kvm_sev_launch_measurement", "q2o4bTRpYmNz") + "\n"
    assert list(scanner.iter_events(io.BytesIO(text.encode()))) == []
    assert scanner.stats.unrecognised_lines == 0


def test_qemu_stopped_by_a_signal_is_not_a_vmm_error() -> None:
    line = "qemu-system-x86_64: terminating on signal 15 from pid 7828 (/usr/bin/python3)"
    assert one(line) == HostReset(1, None, None, "terminated", "signal 15 from pid 7828")
    assert one("qemu-system-x86_64: terminating on signal 2") == HostReset(
        1, None, None, "terminated", "signal 2"
    )


def test_other_timestamped_trace_events_are_recognised_as_qemu_chatter() -> None:
    scanner = Scanner()
    text = "8004@1796144376.833289:fw_cfg_add_bytes key 0x0000 'signature', 4 bytes\n"
    assert list(scanner.iter_events(io.BytesIO(text.encode()))) == []
    assert scanner.stats.recognised_lines == 1


def test_other_trace_events_and_malformed_lines_are_not_taken() -> None:
    text = (
        "kvm_convert_memory start 0x1000 size 0x1000 sideways\n"
        "kvm_vm_ioctl type 0xc008aeba, arg 0x7ffd1234\n"
        "kvm_memory_fault start 0x1000 size 0x1000\n"
    )
    assert events(text) == []


def test_debugcon_lines_between_trace_lines_still_parse() -> None:
    text = (
        trace("kvm_convert_memory", 0x80000000, 0x1000, "private_to_shared")
        + "\nSecCoreStartupWithStack(0xFFFCC000, 0x820000)\n"
        + trace("kvm_convert_memory", 0x80000000, 0x1000, "shared_to_private")
        + "\n"
    )
    kinds = [type(e).__name__ for e in events(text)]
    assert kinds.count("HostConversion") == 2
