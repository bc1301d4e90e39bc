"""The yardstick of issue 14: what a reviewer would write in ten minutes to read a verbose log.

One regular-expression alternation over the IoMmu and page-state lines, run on every line,
and ``int(x, 16)`` of every number it captures; no simulation, no rules, no result document.
The engine should read a log at least twice as fast as this (``bench/bench_engine.py`` prints
the ratio). The line formats are those of ``app/analysis/formats`` (edk2 OvmfPkg/IoMmuDxe,
MemEncryptSevLib, MemEncryptTdxLib), written out here the way an ad-hoc script would.

Usage: ``python bench/naive_scan.py LOG``; prints one JSON object (seconds, lines, matched
lines, numbers parsed and their sum, so the work cannot be skipped).
"""

from __future__ import annotations

import json
import re
import sys
import time

HEX = rb"([0-9A-Fa-f]+)"
NAIVE = re.compile(
    rb"(?:IoMmuMap: Operation=\w+ Host=0x" + HEX + rb" Bytes=0x" + HEX
    + rb"|IoMmuMap: Mapping=0x" + HEX + rb" Device\(PlainText\)=0x" + HEX
    + rb" Crypted=0x" + HEX + rb" Pages=0x" + HEX + rb"(?:, ReservedMemBitmap=0x" + HEX + rb")?"
    + rb"|IoMmuUnmapWorker: Mapping=0x" + HEX
    + rb"|IoMmuAllocateBuffer: Host=0x" + HEX + rb" Stash=0x" + HEX
    + rb"|IoMmuFreeBuffer: Host=0x" + HEX + rb" Pages=0x" + HEX
    + rb"|InternalAllocateBuffer: range-size: " + HEX + rb", start-address=0x" + HEX
    + rb", pages=0x" + HEX + rb", bits=0x" + HEX + rb", bitmap: " + HEX + rb" => " + HEX
    + rb"|IoMmuFree(?:Bounce|Common)Buffer: \w+=0x" + HEX + rb", bits=0x" + HEX
    + rb", bitmap: " + HEX + rb" => " + HEX
    + rb"|\w+:SetMemoryEncDec: Cr3Base=0x[0-9A-Fa-f]+ Physical=0x" + HEX + rb" Length=0x" + HEX
    + rb"|\w+:InternalSetPageState Address 0x" + HEX + rb" - 0x" + HEX
    + rb"|\w+:SetMemorySharedOrPrivate: Cr3Base=0x[0-9A-Fa-f]+ Physical=0x" + HEX
    + rb" Length=0x" + HEX
    + rb")"
)  # fmt: skip


def scan(path: str) -> dict[str, float | int]:
    started = time.perf_counter()
    lines = matched = numbers = total = 0
    match = NAIVE.match
    with open(path, "rb") as log:
        for line in log:
            lines += 1
            found = match(line)
            if found is None:
                continue
            matched += 1
            for group in found.groups():
                if group is not None:
                    numbers += 1
                    total += int(group, 16)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "lines": lines, "matched": matched, "numbers": numbers,
            "checksum": total % 1_000_003}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(scan(sys.argv[1])))
