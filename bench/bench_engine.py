"""Benchmark of the analysis engine against ``grep -c IoMmu`` and a naive script. Prints figures.

One run measures, on the same logs, whole processes run in turn (``--rounds`` alternating rounds,
median; the machine is shared, so compare the ratios, which are taken on CPU time):

- ``grep -c IoMmu``, the floor;
- ``bench/naive_scan.py``, the yardstick of issue 14 (one alternation per line plus
  ``int(x, 16)`` of each number, no simulation), with the first interpreter;
- the engine (``analyze_file``: scanner, simulator, every rule, result document) with each
  ``--python PATH`` in turn (repeatable), e.g. this venv's (editable: the pure engine) and a venv
  with the wheel installed (the compiled engine, ``make compiled-venv``). ``make bench`` does that.

Logs (written to ``bench/out/``, git-ignored, reused when present):

- ``pool`` and ``legacy``: synthesized SEV-SNP logs of at least ``--size-mb`` MB in which nearly
  every line is an IoMmu or page-state line (the worst case for the engine);
- ``real``: the real logs of ``app/data/logs`` concatenated, repeated to about a quarter of that
  size: many lines no pattern recognises (the scanner's slow path).

For each it prints seconds (wall and CPU), MB/s, peak RSS, the engine's speed relative to the
naive script and its time relative to grep; then the 50,000-line synthesized boot, analysed in
process by each interpreter (best of three). It ends with those figures as the README's table.

Usage: ``python bench/bench_engine.py [--size-mb N] [--rounds N] [--python PATH ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.synth import Workload, write_log

OUT = Path(__file__).parent / "out"
NAIVE = Path(__file__).parent / "naive_scan.py"
REAL_LOGS = Path(__file__).parent.parent / "app" / "data" / "logs"

CHILD = """
import json, sys, time
from pathlib import Path
from app.analysis.compiled import engine_build
from app.analysis.report import analyze_file
best = best_cpu = None
for _ in range(int(sys.argv[2])):
    started, started_cpu = time.perf_counter(), time.process_time()
    doc = analyze_file(Path(sys.argv[1]))
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    best = seconds if best is None else min(best, seconds)
    best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
print(json.dumps({"seconds": best, "cpu": best_cpu, "lines": doc.source.lines,
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


@dataclass
class Run:
    """One whole process: its output, wall and CPU seconds, peak RSS in MB."""

    output: str
    wall: float
    cpu: float
    rss_mb: float


def run_process(args: list[str]) -> Run:
    """Runs ``args`` with ``bench/out`` as working directory (so ``python -P`` imports the
    ``app`` its interpreter has installed, not the checkout's)."""
    started = time.perf_counter()
    with subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=OUT) as child:
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode not in (0, 1):  # grep -c exits 1 when it counts nothing
        raise SystemExit(f"{args[0]}: failed (exit {child.returncode})")
    return Run(output, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def contenders(path: Path, pythons: list[str]) -> dict[str, list[str]]:
    """Label -> command line, in the order they run in each round."""
    commands = {
        "grep -c IoMmu": ["grep", "-c", "IoMmu", str(path.resolve())],
        "naive script": [os.path.abspath(pythons[0]), str(NAIVE.resolve()), str(path.resolve())],
    }
    for python in pythons:
        commands[f"engine {python}"] = engine_command(python, path, 1)
    return commands


def engine_command(python: str, path: Path, repeats: int) -> list[str]:
    return [os.path.abspath(python), "-P", "-c", CHILD, str(path.resolve()), str(repeats)]


TABLE: list[str] = []  # the README's table rows, printed at the end of the run


def throughput(path: Path, pythons: list[str], rounds: int, log_name: str) -> None:
    commands = contenders(path, pythons)
    runs: dict[str, list[Run]] = {label: [] for label in commands}
    for _ in range(rounds):
        for label, command in commands.items():
            runs[label].append(run_process(command))
    megabytes = path.stat().st_size / 1e6
    naive_cpu = statistics.median(r.cpu for r in runs["naive script"])
    grep_cpu = statistics.median(r.cpu for r in runs["grep -c IoMmu"])
    first = json.loads(runs[f"engine {pythons[0]}"][0].output)
    print(
        f"log: {megabytes:.0f} MB, {first['lines']:,} lines, {first['events']:,} events, "
        f"{first['unrecognised']:,} unrecognised, {first['findings']} findings"
    )
    for label, measured in runs.items():
        wall = statistics.median(r.wall for r in measured)
        cpu = statistics.median(r.cpu for r in measured)
        rss = max(r.rss_mb for r in measured)
        name = short = label
        cpu_text = f"{cpu:.2f}"
        if label.startswith("engine "):
            inside = statistics.median(json.loads(r.output)["cpu"] for r in measured)
            kind = json.loads(measured[0].output)["engine"]
            name = f"engine ({kind}) {label[7:]} [analysis alone: CPU {inside:.2f} s]"
            short, cpu_text = f"engine, {kind}, {label[7:]}", f"{cpu:.2f} ({inside:.2f})"
        TABLE.append(
            f"| {log_name if label == 'grep -c IoMmu' else ''} | {short} | {cpu_text} | "
            f"{megabytes / cpu:.1f} | {rss:.0f} MB | {naive_cpu / cpu:.2f} | {cpu / grep_cpu:.1f} |"
        )
        print(
            f"  {name}: wall {wall:.2f} s, CPU {cpu:.2f} s = {megabytes / cpu:.1f} MB/s (CPU), "
            f"peak RSS {rss:.0f} MB, speed vs naive {naive_cpu / cpu:.2f}x, "
            f"time vs grep {cpu / grep_cpu:.1f}x"
        )


def lines_of(path: Path) -> int:
    with open(path, "rb") as log:
        return sum(1 for _ in log)


def latency(path: Path, pythons: list[str]) -> None:
    lines = lines_of(path)
    for python in pythons:
        figures = json.loads(run_process(engine_command(python, path, 3)).output)
        print(
            f"{lines:,}-line boot, engine ({figures['engine']}) {python}: "
            f"best of 3 = {figures['seconds'] * 1000:.0f} ms wall, "
            f"{figures['cpu'] * 1000:.0f} ms CPU"
        )


def real_heavy(min_bytes: int) -> Path:
    """The bundled real logs concatenated, repeated until ``min_bytes``: mostly lines that no
    pattern recognises, each log's prefixes seen again on every repetition."""
    path = OUT / f"bench-real-logs-{min_bytes // 10**6}mb.log"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        one = b"".join(p.read_bytes() for p in sorted(REAL_LOGS.glob("*.log")))
        path.write_bytes(one * (min_bytes // len(one) + 1))
    return path


def boot_50k() -> Path:
    small = OUT / "bench-50k-lines.log"
    grow_small = 3000
    while True:
        synthesize(small, grow_small)
        count = lines_of(small)
        if 48_000 <= count <= 55_000:
            return small
        small.unlink()
        grow_small = int(grow_small * 50_000 / count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--python",
        action="append",
        metavar="PATH",
        help="interpreter of a cvmreview install to run the engine with "
        "(repeatable; default: this one)",
    )
    args = parser.parse_args()
    pythons = args.python or [sys.executable]
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    latency(boot_50k(), pythons)
    for mode in MODES:
        path = OUT / f"bench-verbose-{mode}-{args.size_mb}mb.log"
        print(f"--- {mode}: {verbose_workload(1, mode).name}")
        log = grow_until(path, args.size_mb * 10**6, 240 * args.size_mb, mode)
        throughput(log, pythons, args.rounds, f"{mode}, {lines_of(log):,} lines")
    print("--- real: the bundled real logs, concatenated and repeated")
    real = real_heavy(args.size_mb * 10**6 // 4)
    throughput(real, pythons, args.rounds, f"real logs, {lines_of(real):,} lines")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")
    print("\nThe README's table (CPU s of the whole process, analysis alone in brackets):")
    print("| log | contender | CPU s | MB/s | peak RSS | speed vs naive | time vs grep |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(TABLE))


if __name__ == "__main__":
    main()
