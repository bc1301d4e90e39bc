"""Run one fuzz target for a time budget in a child process and read libFuzzer's figures.

Shared by the CI tests (tests/fuzz/test_fuzz.py, short budget) and ``scripts/fuzz.py`` (long
runs). A work directory holds ``seeds/`` (rebuilt from the fixtures each run), ``corpus/``
(what libFuzzer found interesting; kept between runs of the script) and ``crashes/`` (the
inputs that crashed, timed out or ran out of memory). libFuzzer stops at the first crash.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.seeds import write_seeds

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("scanner", "firmware", "metadata")
# Largest input per target: log pieces of a few KiB, a 64 KiB image window, small documents.
MAX_LEN = {"scanner": 16 << 10, "firmware": 64 << 10, "metadata": 16 << 10}
PER_INPUT_TIMEOUT = 30  # seconds; generous because the machine is shared
RSS_LIMIT_MB = 2048
CRASH_PREFIXES = ("crash-", "timeout-", "oom-", "leak-")

_STATUS = re.compile(rb"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/", re.MULTILINE)
_STAT = re.compile(rb"^stat::(\w+):\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class FuzzRun:
    """What one run did: inputs executed, speed, coverage reached and the crashing inputs."""

    target: str
    seconds: int  # the budget
    elapsed: float  # wall time, less than the budget when a crash stopped the run
    seeds: int
    inputs: int
    exec_per_second: int
    coverage: int  # instrumented edges reached (libFuzzer's "cov")
    features: int  # libFuzzer's "ft": edges and hit-count buckets
    corpus: int
    new_units: int  # inputs the mutations added to the corpus for reaching new coverage
    returncode: int
    crashes: tuple[Path, ...]
    output: str

    @property
    def failed(self) -> bool:
        """A crash, or a harness that did not run to its budget."""
        return bool(self.crashes) or self.returncode != 0


def budget(default_local: int = 15, default_ci: int = 60) -> int:
    """``CVMREVIEW_FUZZ_SECONDS``, else 60 s under CI and a short run locally."""
    configured = os.environ.get("CVMREVIEW_FUZZ_SECONDS")
    if configured:
        return int(configured)
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    return default_ci if in_ci else default_local


def command(target: str, seconds: int, workdir: Path) -> list[str]:
    """The fuzzer's command line; under CI with a fixed ``-seed`` so that a run can be repeated
    (a longer ``scripts/fuzz.py`` run explores with a random one)."""
    seed = ["-seed=1"] if os.environ.get("CI", "").lower() in ("1", "true", "yes") else []
    return [
        sys.executable,
        "-m",
        "tests.fuzz.harness",
        target,
        str(workdir / "corpus"),
        str(workdir / "seeds"),
        f"-max_total_time={seconds}",
        f"-max_len={MAX_LEN[target]}",
        f"-timeout={PER_INPUT_TIMEOUT}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-artifact_prefix={workdir / 'crashes'}/",
        "-print_final_stats=1",
        *seed,
    ]


def run(target: str, seconds: int, workdir: Path) -> FuzzRun:
    """Fuzz ``target`` for ``seconds`` with ``workdir`` as its corpus and crash store."""
    if target not in TARGETS:
        raise ValueError(f"unknown fuzz target {target!r}: choose one of {', '.join(TARGETS)}")
    seeds = write_seeds(target, workdir / "seeds")
    for part in ("corpus", "crashes"):
        (workdir / part).mkdir(parents=True, exist_ok=True)
    before = set((workdir / "crashes").iterdir())
    started = time.monotonic()
    process = subprocess.run(
        command(target, seconds, workdir),
        cwd=ROOT,
        capture_output=True,
        timeout=seconds + 600,  # the seeds' first pass comes on top of the budget
        check=False,
    )
    elapsed = time.monotonic() - started
    output = process.stdout + process.stderr
    crashes = tuple(
        sorted(
            path
            for path in set((workdir / "crashes").iterdir()) - before
            if path.name.startswith(CRASH_PREFIXES)
        )
    )
    return _figures(target, (seconds, elapsed), seeds, process.returncode, crashes, output)


def _figures(
    target: str,
    time_spent: tuple[int, float],
    seeds: int,
    returncode: int,
    crashes: tuple[Path, ...],
    out: bytes,
) -> FuzzRun:
    statuses = _STATUS.findall(out)
    last = statuses[-1] if statuses else (b"0", b"0", b"0", b"0")
    stats = {name.decode(): int(value) for name, value in _STAT.findall(out)}
    return FuzzRun(
        target=target,
        seconds=time_spent[0],
        elapsed=time_spent[1],
        seeds=seeds,
        inputs=stats.get("number_of_executed_units", int(last[0])),
        exec_per_second=stats.get("average_exec_per_sec", 0),
        coverage=int(last[1]),
        features=int(last[2]),
        corpus=int(last[3]),
        new_units=stats.get("new_units_added", 0),
        returncode=returncode,
        crashes=crashes,
        output=out.decode("utf-8", "replace"),
    )


def summary(result: FuzzRun) -> str:
    """One line of figures, then each crashing input and, on failure, what the harness said."""
    lines = [
        f"{result.target}: {result.inputs} inputs in {result.elapsed:.0f} s "
        f"({result.exec_per_second}/s), coverage {result.coverage} edges / "
        f"{result.features} features, corpus {result.corpus}, crashes {len(result.crashes)}"
    ]
    for path in result.crashes:
        lines.append(f"  crashing input: {path}")
        lines.append(f"    bytes (hex, first 512): {path.read_bytes()[:512].hex()}")
        lines.append(f"    keep it as tests/fuzz/regressions/{result.target}/<what-it-is>.bin")
    if result.failed:
        start = result.output.find("=== Uncaught Python exception")
        lines.append(result.output[start:] if start >= 0 else result.output[-4000:])
    return "\n".join(lines)
