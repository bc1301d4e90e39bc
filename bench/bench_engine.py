"""Benchmark of the analysis engine on synthesized verbose logs. Prints figures; asserts nothing.

1. Throughput: a synthesized log of at least ``--size-mb`` MB (default 500) in which nearly every
   line is an IoMmu or encryption line is analysed end to end in a child process; MB/s, lines/s
   and the child's peak RSS are printed, with ``grep -c IoMmu`` on the same file timed in the
   same run and the ratio between the two.
2. Latency: a 50,000-line synthesized boot analysed in process (best of three).

Usage: ``python bench/bench_engine.py [--size-mb N] [--keep]``. Logs are written to
``bench/out/`` (git-ignored) and reused when present, since generating 500 MB takes a while.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from app.analysis.report import analyze_file
from app.synth import Workload, write_log

OUT = Path(__file__).parent / "out"

CHILD = """
import json, sys, time
from app.analysis.report import analyze_file
started = time.perf_counter()
doc = analyze_file(__import__("pathlib").Path(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - started, "lines": doc.source.lines,
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


def throughput(path: Path) -> None:
    started = time.perf_counter()
    grep = subprocess.run(["grep", "-c", "IoMmu", str(path)], capture_output=True, text=True)
    grep_seconds = time.perf_counter() - started
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    figures = json.loads(child.stdout)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    megabytes = figures["bytes"] / 1e6
    print(
        f"log: {megabytes:.0f} MB, {figures['lines']:,} lines, {figures['events']:,} events, "
        f"{figures['unrecognised']:,} unrecognised, {figures['findings']} findings"
    )
    print(
        f"engine: {figures['seconds']:.1f} s analysis ({wall:.1f} s with start-up) = "
        f"{megabytes / figures['seconds']:.1f} MB/s, "
        f"{figures['lines'] / figures['seconds']:,.0f} lines/s, peak RSS {peak_mb:.0f} MB"
    )
    print(
        f"grep -c IoMmu: {grep_seconds:.2f} s ({grep.stdout.strip()} lines) = "
        f"{megabytes / grep_seconds:.0f} MB/s; engine/grep time ratio "
        f"{figures['seconds'] / grep_seconds:.1f}x"
    )


def latency(path: Path) -> None:
    best = min(_timed(path) for _ in range(3))
    lines = sum(1 for _ in open(path, "rb"))
    print(f"{lines:,}-line boot: best of 3 = {best * 1000:.0f} ms")


def _timed(path: Path) -> float:
    started = time.perf_counter()
    analyze_file(path)
    return time.perf_counter() - started


def main() -> None:
    from app.analysis import native

    print(f"engine modules: {'compiled (mypyc)' if native.is_active() else 'pure Python'}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    args = parser.parse_args()
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
        throughput(grow_until(path, args.size_mb * 10**6, 240 * args.size_mb, mode))


if __name__ == "__main__":
    main()
