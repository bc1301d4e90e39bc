"""The debug-log cost model: exits per platform, per load context and per printing code."""

from __future__ import annotations

import io

from app.analysis.report import analyze, analyze_file
from app.synth import DeviceSpec, Workload, write_log
from tests.unit.conftest import real_log


def synthesized_bytes(platform: str, edk2: str, pool: bool) -> bytes:
    workload = Workload(
        name=f"cost-{platform}",
        seed=5,
        platform=platform,
        edk2=edk2,
        pool=pool,
        devices=(DeviceSpec("virtio-blk", "00:03.0", 30, (4096,), 0.5),),
    )
    buffer = io.BytesIO()
    write_log(workload, buffer)
    return buffer.getvalue()


def synthesized(platform: str, edk2: str, pool: bool) -> dict[str, object]:
    log = io.BytesIO(synthesized_bytes(platform, edk2, pool))
    return analyze(log, name="cost.log").to_dict()["debug_cost"]  # type: ignore[no-any-return]


def test_plain_sev_and_tdx_pay_one_exit_per_character() -> None:
    sev = synthesized("sev", "202211", False)
    tdx = synthesized("tdx", "202402", True)
    for cost in (sev, tdx):
        assert cost["exits"] >= cost["bytes"]  # type: ignore[operator]
    es = synthesized("sev-es", "202302", True)
    assert es["exits"] < es["bytes"]  # type: ignore[operator]  # about one exit per message
    assert es["exits"] >= es["messages"]  # type: ignore[operator]


def test_cost_is_split_by_the_code_that_printed_it() -> None:
    cost = synthesized("sev-snp", "202211", False)
    rows = {row["source"].split(" (")[0]: row for row in cost["by_source"]}  # type: ignore[union-attr,index]
    assert rows["IoMmuDxe"]["messages"] > 0 and rows["page-state libraries"]["messages"] > 0
    assert sum(row["messages"] for row in rows.values()) == cost["messages"]
    assert sum(row["bytes"] for row in rows.values()) == cost["bytes"]


def test_info_level_log_has_no_verbose_cost_and_charges_modules() -> None:
    document = analyze_file(real_log("003")).to_dict()
    cost = document["debug_cost"]
    rows = {row["source"].split(" (")[0]: row for row in cost["by_source"]}
    assert rows["IoMmuDxe"]["messages"] == 1  # only its INFO line about the reserved pool
    assert document["platform"]["kind"] == "sev-es" and "platform" not in cost
    modules = {row["module"] for row in cost["modules"]}
    assert "PlatformPei.efi" in modules
    assert sum(row["messages"] for row in cost["modules"]) <= cost["messages"]


def test_rows_add_up_to_the_total_and_vmm_lines_are_no_guest_messages() -> None:
    for platform, edk2 in (("sev", "202211"), ("sev-es", "202302"), ("sev-snp", "202211")):
        cost = synthesized(platform, edk2, False)
        rows = cost["by_source"]
        assert sum(row["exits"] for row in rows) == cost["exits"]  # type: ignore[union-attr,index]
    log = synthesized_bytes("sev-es", "202302", False)
    guest = analyze(io.BytesIO(log), name="g.log").debug_cost
    vmm = (
        b"qemu-system-x86_64: terminating on signal 15 from pid 4242 (timeout)\n"
        b"4242@1700000000.123456:kvm_convert_memory start 0x80000000 size 0x1000 "
        b"private_to_shared\n"  # a QEMU trace event (formats.qemu_trace) in the same capture
    )
    mixed = analyze(io.BytesIO(log + vmm * 3), name="m.log").debug_cost
    assert mixed.messages == guest.messages and mixed.bytes == guest.bytes


def test_vmm_chatter_is_no_guest_output_in_the_totals_nor_in_the_modules() -> None:
    """Trace events the engine does not read (``-trace fw_cfg_*`` in a capture) and lines
    interleaved inside a module's output are QEMU's, not the module's."""
    log = synthesized_bytes("sev-snp", "202302", False)
    guest = analyze(io.BytesIO(log), name="g.log").debug_cost
    lines = log.split(b"\n")
    chatter = b"4242@1700000000.123456:fw_cfg_read id 0x19 size 2\n"
    interleaved = [
        line + b"\n" + (chatter if i % 50 == 25 else b"") for i, line in enumerate(lines)
    ]
    mixed = analyze(io.BytesIO(b"".join(interleaved)[:-1]), name="m.log").debug_cost
    assert mixed.messages == guest.messages and mixed.bytes == guest.bytes
    assert mixed.exits == guest.exits
    assert [(m.module, m.messages, m.bytes) for m in mixed.modules] == [
        (m.module, m.messages, m.bytes) for m in guest.modules
    ]
