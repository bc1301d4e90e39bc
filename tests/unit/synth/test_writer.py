"""Synthesized logs: labelled, CRLF, deterministic, and consistent with their ground truth."""

from __future__ import annotations

import io
import json
import re

from app.synth import DeviceSpec, FaultSpec, Workload, demo_workloads, write_log

from .conftest import Synthesized, synthesize

HEADER = re.compile(r"^# cvmreview synthesized log: (\{.*\})$")


def test_writer_first_line_is_the_label(demos: dict[str, Synthesized]) -> None:
    for w in demo_workloads():
        s = demos[w.name]
        match = HEADER.match(s.lines[0])
        assert match, s.lines[0]
        assert json.loads(match.group(1)) == {
            "name": w.name,
            "seed": w.seed,
            "platform": w.platform,
            "edk2": w.edk2,
        }
        assert " " not in match.group(1)


def test_writer_crlf_and_totals(demos: dict[str, Synthesized]) -> None:
    for s in demos.values():
        assert s.raw.endswith(b"\r\n")
        assert s.raw.count(b"\r\n") == len(s.lines) == s.truth.total_lines
        assert len(s.raw) == s.truth.total_bytes


def test_writer_is_deterministic_for_a_seed() -> None:
    w = demo_workloads()[3]
    a, b = synthesize(w), synthesize(w)
    assert a.raw == b.raw
    other = Workload.from_dict({**w.to_dict(), "seed": 99})
    assert synthesize(other).raw != a.raw


def test_writer_truth_lines_point_at_the_right_lines(demos: dict[str, Synthesized]) -> None:
    for s in demos.values():
        assert s.truth.mappings and s.truth.mappings_total == len(s.truth.mappings)
        for m in s.truth.mappings:
            addr = f"0x{m.mapping:X}"
            assert s.line(m.request_line).startswith(f"IoMmuMap: Operation={m.operation} "), m
            assert s.line(m.request_line).endswith(f"Bytes=0x{m.nbytes:X}")
            assert s.line(m.result_line).startswith(f"IoMmuMap: Mapping={addr} "), m
            assert f"Pages=0x{m.pages:X}" in s.line(m.result_line)
            assert m.request_line < m.result_line
            assert m.unmap_line is not None, m  # every demo reaches ExitBootServices
            assert s.line(m.unmap_line).startswith(f"IoMmuUnmapWorker: Mapping={addr} ")
        for a in s.truth.allocations:
            assert s.line(a.allocate_line).startswith(
                f"IoMmuAllocateBuffer: MemoryType=4 Pages=0x{a.pages:X}"
            )
            assert s.line(a.result_line).startswith(f"IoMmuAllocateBuffer: Host=0x{a.host:X} ")
            if a.free_line is not None:
                assert (
                    s.line(a.free_line) == f"IoMmuFreeBuffer: Host=0x{a.host:X} Pages=0x{a.pages:X}"
                )


def test_writer_exit_boot_is_lifo_and_locked(demos: dict[str, Synthesized]) -> None:
    s = demos["sev-legacy-202211-leak"]
    start = s.lines.index("IoMmuUnmapAllMappings")
    assert s.lines[start - 1] == "IoMmuExitBoot"
    assert s.lines[start - 2].startswith("VirtioBlkExitBoot: Context=0x")
    locked = [
        m for m in s.truth.mappings if s.line(m.unmap_line or 0).endswith("MemoryMapLocked=1")
    ]
    assert locked
    assert all(m.unmap_line and m.unmap_line > start for m in locked)
    # newest first: the later the request, the earlier the teardown
    ordered = sorted(locked, key=lambda m: m.request_line, reverse=True)
    assert [m.unmap_line for m in ordered] == sorted(m.unmap_line or 0 for m in locked)
    # the legacy teardown re-encrypts but frees nothing
    after = s.lines[start:]
    assert not any(x.startswith(("IoMmuFreeBuffer", "IoMmuFreeBounce")) for x in after)


def test_writer_pool_reencrypted_at_exit_boot(demos: dict[str, Synthesized]) -> None:
    s = demos["sev-snp-pool-virtio-blk"]
    start = s.lines.index("IoMmuUnmapAllMappings")
    encrypts = [x for x in s.lines[start:] if "Mode=Encrypt" in x]
    assert len(encrypts) == 17
    assert "Accepting all memory" in s.lines[start - 6 : start]


def test_writer_leak_fault_is_live_until_exit_boot(demos: dict[str, Synthesized]) -> None:
    s = demos["sev-legacy-202211-leak"]
    (fault,) = s.truth.faults
    assert (fault.kind, fault.rule_id) == ("leak", "IOMMU-001")
    m = next(m for m in s.truth.mappings if m.request_line == fault.lines[0])
    assert m.operation in ("Read", "Write") and m.result_line == fault.lines[1]
    assert s.line(m.unmap_line or 0).endswith("MemoryMapLocked=1")


def test_writer_driver_bug_faults(demos: dict[str, Synthesized]) -> None:
    s = demos["sev-snp-driver-bugs"]
    by_kind = {f.kind: f for f in s.truth.faults}
    assert {f.rule_id for f in s.truth.faults} == {
        "IOMMU-003",
        "IOMMU-002",
        "IOMMU-004",
        "PAGE-001",
    }
    again = s.line(by_kind["double-unmap"].lines[0])
    assert again.startswith("IoMmuUnmapWorker: Mapping=")
    first = [n for n, x in enumerate(s.lines, 1) if x == again]
    assert len(first) >= 2 and first[0] < by_kind["double-unmap"].lines[0]
    unknown = s.line(by_kind["unknown-unmap"].lines[0]).split()[1]
    assert unknown not in {f"Mapping=0x{m.mapping:X}" for m in s.truth.mappings}
    freed = s.line(by_kind["free-mapped"].lines[0])
    host = freed.split()[1].split("=")[1]
    status = [m for m in s.truth.mappings if f"Crypted={host} " in s.line(m.result_line)]
    assert any(
        m.result_line < by_kind["free-mapped"].lines[0] < (m.unmap_line or 0) for m in status
    )
    assert "Mode=Decrypt" in s.line(by_kind["redundant-decrypt"].lines[0])


def _stopping(kind: str) -> Synthesized:
    w = Workload(
        "stop",
        5,
        "sev-es",
        "202305",
        True,
        (DeviceSpec("virtio-blk", "00:03.0", 20),),
        boot_exits_cleanly=False,
        faults=(FaultSpec(kind, at=2),),
    )
    return synthesize(w)


def test_writer_truncated_log_stops_mid_request() -> None:
    s = _stopping("truncated")
    (fault,) = s.truth.faults
    assert fault.rule_id == "BOOT-002" and fault.lines == [len(s.lines)]
    assert s.lines[-1].startswith("IoMmuMap: Operation=")
    assert s.truth.end_state == "truncated" and not s.truth.exit_boot_services
    assert "IoMmuExitBoot" not in s.lines
    assert any(m.unmap_line is None for m in s.truth.mappings)


def test_writer_assert_ends_the_boot() -> None:
    s = _stopping("assert")
    (fault,) = s.truth.faults
    assert fault.rule_id == "BOOT-001"
    assert re.match(r"ASSERT \S+CcIoMmu\.c\(\d+\): ", s.line(fault.lines[0]))
    assert fault.lines[0] == len(s.lines)


def test_writer_page_faults_point_at_conversion_lines() -> None:
    kinds = (
        "redundant-encrypt",
        "shared-at-handoff",
        "state-mismatch",
        "above-4g",
        "commonbuffer-not-allocated",
        "unknown-free",
    )
    w = Workload(
        "faults",
        6,
        "sev",
        "202211",
        False,
        (DeviceSpec("virtio-blk", "00:03.0", 12),),
        faults=tuple(FaultSpec(k, at=i) for i, k in enumerate(kinds)),
    )
    s = synthesize(w)
    by_kind = {f.kind: f for f in s.truth.faults}
    assert set(by_kind) == set(kinds)
    assert "Mode=Encrypt" in s.line(by_kind["redundant-encrypt"].lines[0])
    assert "Mode=Decrypt" in s.line(by_kind["shared-at-handoff"].lines[0])
    result, wrong = by_kind["state-mismatch"].lines
    device = s.line(result).split("Device(PlainText)=")[1].split()[0]
    assert "Mode=Decrypt" in s.line(wrong) and f"Physical={device} " not in s.line(wrong)
    request, result_line, _ = by_kind["above-4g"].lines
    assert s.line(request).startswith("IoMmuMap: Operation=CommonBuffer ")
    assert int(s.line(result_line).split("Device(PlainText)=")[1].split()[0], 16) >= 1 << 32
    assert s.line(by_kind["commonbuffer-not-allocated"].lines[0]).startswith(
        "IoMmuMap: Operation=CommonBuffer "
    )
    assert s.line(by_kind["unknown-free"].lines[0]).startswith("IoMmuFreeBuffer: Host=")


def test_writer_truth_stream_and_limit() -> None:
    w = demo_workloads()[0].with_requests(50)
    out, stream = io.BytesIO(), io.BytesIO()
    truth = write_log(w, out, truth_stream=stream, truth_mappings_limit=10)
    records = [json.loads(x) for x in stream.getvalue().splitlines()]
    mappings = [r for r in records if r["type"] == "mapping"]
    assert len(truth.mappings) == 10 < truth.mappings_total == len(mappings)
    assert truth.to_dict()["records_truncated"] is True
    assert all(r["unmap_line"] for r in mappings)


def test_writer_scale_multiplies_requests() -> None:
    base = Workload("s", 1, "sev", "202211", False, (DeviceSpec("virtio-net", "00:04.0", 5),))
    scaled = Workload.from_dict({**base.to_dict(), "scale": 3})
    single, triple = synthesize(base).truth, synthesize(scaled).truth
    rings = 4  # two rings, TX request page, RX buffers
    assert single.mappings_total - rings == 5
    assert triple.mappings_total - rings == 15
