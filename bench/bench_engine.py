"""Benchmark of the analysis engine on synthesized verbose logs. Prints figures; asserts nothing.

1. Throughput: a synthesized log of at least ``--size-mb`` MB (default 500) in which nearly every
   line is an IoMmu or encryption line is analysed end to end in a child process; MB/s, lines/s
   and the child's peak RSS are printed, with ``grep -c IoMmu`` on the same file timed in the
   same run and the ratio between the two.
   ``--python PATH`` (repeatable) runs that analysis with each given interpreter in turn, e.g.
   this venv's (editable: the pure engine) and a venv with the wheel installed (the compiled
   engine, ``make compiled-venv``), on the same log, and prints each one's time relative to
   the first. ``make bench`` does exactly that.
2. Latency: a 50,000-line synthesized boot analysed in process (best of three).

Usage: ``python bench/bench_engine.py [--size-mb N] [--python PATH ...]``. Logs are written to
``bench/out/`` (git-ignored) and reused when present, since generating 500 MB takes a while.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from app.analysis.report import analyze_file
from app.synth import Workload, write_log

OUT = Path(__file__).parent / "out"

CHILD = """
import json, sys, time
from app.analysis.compiled import engine_build
from app.analysis.report import analyze_file
started = time.perf_counter()
doc = analyze_file(__import__("pathlib").Path(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - started, "lines": doc.source.lines,
                  "engine": engine_build().kind,
                  "bytes": doc.source.decompressed_bytes,
                  "unrecognised": doc.unrecognised_lines, "findings": len(doc.findings),
                  "events": sum(doc.events.values())}))
"""


MODES = {
    # SEV-SNP on the legacy path (edk2-stable202211): every map converts pages, so half the
    # lines are encryption lines; the worst case for the engine.
    "legacy": ("202211", False),
    # SEV-SNP with the reserved pool (edk2-stable202402): nearly every line an IoMmu line.
    "pool": ("202402", True),
}


def verbose_workload(requests: int, mode: str = "legacy") -> Workload:
    edk2, pool = MODES[mode]
    return Workload.from_dict(
        {
            "name": f"bench-verbose-snp-{mode}",
            "seed": 7,
            "platform": "sev-snp",
            "edk2": edk2,
            "pool": pool,
            "devices": [
                {
                    "kind": "virtio-blk",
                    "bdf": "00:03.0",
                    "requests": requests,
                    "sizes": [512, 4096, 65536],
                },
                {"kind": "virtio-net", "bdf": "00:04.0", "requests": requests // 4},
                {"kind": "fw-cfg", "requests": requests // 8},
            ],
        }
    )


def synthesize(path: Path, requests: int, mode: str = "legacy") -> None:
    if path.exists():
        return
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        write_log(verbose_workload(requests, mode), out)
    partial.rename(path)
    print(
        f"synthesized {path.name}: {path.stat().st_size / 1e6:.0f} MB "
        f"in {time.perf_counter() - started:.0f} s"
    )


def grow_until(path: Path, min_bytes: int, requests: int, mode: str) -> Path:
    """Synthesize with more requests until the log is at least ``min_bytes`` long."""
    while True:
        synthesize(path, requests, mode)
        size = path.stat().st_size
        if size >= min_bytes:
            return path
        requests = int(requests * min_bytes / max(size, 1) * 1.05) + 1
        path.unlink()


def throughput(path: Path, pythons: list[str]) -> None:
    started = time.perf_counter()
    grep = subprocess.run(["grep", "-c", "IoMmu", str(path)], capture_output=True, text=True)
    grep_seconds = time.perf_counter() - started
    first: float | None = None
    for python in pythons:
        figures, wall, peak_mb = analyse_in_child(python, path)
        megabytes = figures["bytes"] / 1e6
        if first is None:
            first = figures["seconds"]
            print(
                f"log: {megabytes:.0f} MB, {figures['lines']:,} lines, "
                f"{figures['events']:,} events, {figures['unrecognised']:,} unrecognised, "
                f"{figures['findings']} findings"
            )
        print(
            f"engine ({figures['engine']}, {python}): {figures['seconds']:.1f} s analysis "
            f"({wall:.1f} s with start-up) = {megabytes / figures['seconds']:.1f} MB/s, "
            f"{figures['lines'] / figures['seconds']:,.0f} lines/s, peak RSS {peak_mb:.0f} MB, "
            f"time relative to the first {figures['seconds'] / first:.2f}, "
            f"engine/grep time ratio {figures['seconds'] / grep_seconds:.1f}x"
        )
    print(
        f"grep -c IoMmu: {grep_seconds:.2f} s ({grep.stdout.strip()} lines) = "
        f"{path.stat().st_size / 1e6 / grep_seconds:.0f} MB/s"
    )


def analyse_in_child(python: str, path: Path) -> tuple[dict[str, Any], float, float]:
    """The child's figures, its wall time and its own peak RSS in MB. ``-P`` and a working
    directory outside the checkout make the child import the ``app`` its interpreter has
    installed."""
    started = time.perf_counter()
    args = [os.path.abspath(python), "-P", "-c", CHILD, str(path.resolve())]
    with subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=OUT) as child:
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"{python}: the analysis failed (exit {child.returncode})")
    return json.loads(output), wall, usage.ru_maxrss / 1024


def latency(path: Path) -> None:
    best = min(_timed(path) for _ in range(3))
    lines = sum(1 for _ in open(path, "rb"))
    print(f"{lines:,}-line boot: best of 3 = {best * 1000:.0f} ms")


def _timed(path: Path) -> float:
    started = time.perf_counter()
    analyze_file(path)
    return time.perf_counter() - started


def main() -> None:
    from app.analysis.compiled import engine_build

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument(
        "--python",
        action="append",
        metavar="PATH",
        help="interpreter of a cvmreview install to run the throughput analysis with "
        "(repeatable; default: this one)",
    )
    args = parser.parse_args()
    print(f"in-process engine (latency): {engine_build().kind}")
    small = OUT / "bench-50k-lines.log"
    grow_small = 3000
    while True:
        synthesize(small, grow_small)
        count = sum(1 for _ in open(small, "rb"))
        if 48_000 <= count <= 55_000:
            break
        small.unlink()
        grow_small = int(grow_small * 50_000 / count)
    latency(small)
    for mode in MODES:
        path = OUT / f"bench-verbose-{mode}-{args.size_mb}mb.log"
        print(f"--- {mode}: {verbose_workload(1, mode).name}")
        log = grow_until(path, args.size_mb * 10**6, 240 * args.size_mb, mode)
        throughput(log, args.python or [sys.executable])


if __name__ == "__main__":
    main()
