"""The whole engine on damaged logs: lines dropped, repeated, swapped or cut short (what a lossy
serial capture or interleaved CPUs produce). It must never raise, and what it reports must stay
well-formed: findings point at real lines, counts add up."""

from __future__ import annotations

import io
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analysis.report import analyze
from app.synth import demo_workloads, write_log


@cache
def demo_lines(index: int) -> tuple[bytes, ...]:
    buffer = io.BytesIO()
    write_log(demo_workloads()[index], buffer)
    return tuple(buffer.getvalue().split(b"\r\n"))


edits = st.lists(
    st.tuples(st.sampled_from(["drop", "repeat", "swap", "cut"]), st.integers(0, 10**6)),
    min_size=1,
    max_size=40,
)


def damage(lines: list[bytes], operations: list[tuple[str, int]]) -> list[bytes]:
    for operation, position in operations:
        if len(lines) < 3:
            break
        i = 1 + position % (len(lines) - 2)  # keep the first line (the synthesized label)
        if operation == "drop":
            del lines[i]
        elif operation == "repeat":
            lines.insert(i, lines[i])
        elif operation == "swap":
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        else:
            lines[i] = lines[i][: position % (len(lines[i]) + 1)]
    return lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(demo_workloads()) - 1), edits)
def test_damaged_logs_never_break_the_engine(index: int, operations: list[tuple[str, int]]) -> None:
    lines = damage(list(demo_lines(index)), operations)
    document = analyze(io.BytesIO(b"\r\n".join(lines)), name="damaged.log").to_dict()
    total = document["source"]["lines"]
    for finding in document["findings"]:
        assert all(1 <= line <= total for line in finding["lines"]), finding["id"]
        assert finding["count"] >= 1 and finding["severity"] in document["verdict"]["counts"]
    assert document["recognised_lines"] + document["blank_lines"] <= total
    assert sum(document["verdict"]["counts"].values()) == len(document["findings"])


TEMPLATES = (
    "IoMmuMap: Operation={op} Host=0x{a:X} Bytes=0x{b:X}",
    "IoMmuMap: Mapping=0x{a:X} Device(PlainText)=0x{b:X} Crypted=0x{c:X} Pages=0x{d:X}, "
    "ReservedMemBitmap=0x{e:X}",
    "IoMmuMap: Mapping=0x{a:X} Device(PlainText)=0x{b:X} Crypted=0x{c:X} Pages=0x{d:X}",
    "IoMmuUnmapWorker: Mapping=0x{a:X} MemoryMapLocked={f}",
    "IoMmuAllocateBuffer: MemoryType=4 Pages=0x{d:X} Attributes=0x{e:X}",
    "IoMmuAllocateBuffer: Host=0x{a:X} Stash=0x{b:X}",
    "IoMmuFreeBuffer: Host=0x{a:X} Pages=0x{d:X}",
    "IoMmuSetAttribute: Mapping=0x{a:X} Access={f}",
    "InternalAllocateBuffer: range-size: {b:X}, start-address=0x{a:X}, pages=0x{d:X}, "
    "bits=0x{e:X}, bitmap: {c:X} => {e:X}",
    "IoMmuFreeBounceBuffer: PlainTextAddress=0x{a:X}, bits=0x{e:X}, bitmap: {c:X} => {b:X}",
    "IoMmuFreeCommonBuffer: CommonBuffer=0x{a:X}, bits=0x{e:X}, bitmap: {c:X} => {b:X}",
    "IoMmuInitReservedSharedMem: ReservedMem ({d} pages) address = 0x{a:X}",
    "IoMmuDxe:SetMemoryEncDec: Cr3Base=0x0 Physical=0x{a:X} Length=0x{b:X} Mode={mode} "
    "CacheFlush=1 Mmio={f}",
    "IoMmuDxe:InternalSetPageState Address 0x{a:X} - 0x{b:X} State = {state} LargeEntry = 0",
    "IoMmuDxe:SetMemorySharedOrPrivate: Cr3Base=0x0 Physical=0x{a:X} Length=0x{b:X} Mode={state}",
    "IoMmuExitBoot",
    "IoMmuUnmapAllMappings",
    "SEV is enabled (mask 0x{c:X})",
    "Intel Tdx Started with (GPAW: {f}, Cpus: {d})",
    "PciBus: Discovered PCI @ [00|{f:02X}|00]  [VID = 0x1AF4, DID = 0x{e:X}]",
    "InstallProtocolInterface: FA920010-6785-4941-B6EC-498C579F160A {a:X}",
    "MpAccept : 0x{a:X} - 0x{b:X} (0x{c:X})",
)
numbers = st.one_of(st.integers(0, 0x20), st.integers(0, 2**64 - 1), st.integers(0, 0x1_0000_0000))
line = st.builds(
    lambda template, a, b, c, d, e, f, op, mode, state: template.format(
        a=a, b=b, c=c, d=d, e=e, f=f, op=op, mode=mode, state=state
    ),
    st.sampled_from(TEMPLATES),
    numbers,
    numbers,
    numbers,
    numbers,
    numbers,
    st.integers(0, 3),
    st.sampled_from(["Read", "Write", "CommonBuffer", "Read64", "Write64", "CommonBuffer64", "X"]),
    st.sampled_from(["Encrypt", "Decrypt"]),
    st.sampled_from(["Shared", "Private"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=80))
def test_well_formed_lines_with_any_values_never_break_the_simulator(lines: list[str]) -> None:
    document = analyze(io.BytesIO("\n".join(lines).encode() + b"\n"), name="values.log").to_dict()
    assert document["unrecognised_lines"] == 0
    for finding in document["findings"]:
        assert all(1 <= n <= document["source"]["lines"] for n in finding["lines"])
