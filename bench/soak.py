"""Memory soak: the scale-out configuration under steady load, resident memory sampled.

    .venv/bin/python bench/soak.py                    # 10 minutes
    .venv/bin/python bench/soak.py --minutes 2 --interval 5

Runs docker-compose.yml's configuration on this machine (private PostgreSQL and Redis from
``tests/faultkit.py``, one ``cvmreview serve`` with Celery as its job backend, two
``cvmreview worker --concurrency 1``) and keeps it busy for ``--minutes``: ``--uploaders``
clients each upload a distinct log (a real OVMF boot, a new ``origin_id`` each time) about
once a second, and ``--readers`` clients read the API's boot, its findings and the boot page
in a loop. Every ``--interval`` seconds it samples the RSS of the server and of each worker
(the Celery main process plus its pool child). Printed per process: RSS at the start (after a
one-minute warm-up share), at the end, the maximum, and the slope of a least-squares line
through the samples after the warm-up (MiB per 10 minutes), and of the second half of them;
then requests and uploads done and errors. A leak shows as a slope that stays positive in the
second half and as ``--minutes`` grows; warming caches flatten out.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from bench_service import SMALL

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import faultkit  # noqa: E402
from tests.servicekit import bearer  # noqa: E402

MIB = 1024 * 1024


@dataclass
class Series:
    """RSS samples of one process tree: (seconds since start, bytes)."""

    name: str
    samples: list[tuple[float, int]] = field(default_factory=list)

    def line(self, warm_up: float) -> str:
        steady = [(t, rss) for t, rss in self.samples if t >= warm_up] or self.samples
        start, end = steady[0][1], steady[-1][1]
        peak = max(rss for _, rss in self.samples)
        second_half = steady[len(steady) // 2 :]
        return (
            f"{self.name}: start {start / MIB:.1f} MiB, end {end / MIB:.1f} MiB, max "
            f"{peak / MIB:.1f} MiB, slope {per_10_min(steady):+.2f} MiB per 10 min, "
            f"{per_10_min(second_half):+.2f} over the second half ({len(steady)} samples "
            f"after {warm_up:.0f} s)"
        )


def per_10_min(points: list[tuple[float, int]]) -> float:
    return slope(points) * 600 / MIB


def slope(points: list[tuple[float, int]]) -> float:
    """Least-squares slope in bytes per second (0 for fewer than two points)."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    cov = sum((t - mean_t) * (y - mean_y) for t, y in points)
    return cov / var if var else 0.0


def tree_rss(pid: int) -> int:
    """RSS of a process and all its children (a Celery worker is a main process + pool)."""
    try:
        root = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
    except psutil.NoSuchProcess:
        return 0


@dataclass
class Load:
    """Steady clients until ``stop`` is set; counts what they did."""

    base: str
    token: str
    stop: threading.Event = field(default_factory=threading.Event)
    done: Counter[str] = field(default_factory=Counter)
    boot_ids: list[int] = field(default_factory=list)

    def uploader(self, number: int) -> None:
        log = SMALL.read_bytes()
        with httpx.Client(base_url=self.base, timeout=60, headers=bearer(self.token)) as http:
            sent = 0
            while not self.stop.wait(1.0):
                origin = f"soak-{number}-{sent}"
                try:
                    response = http.post(
                        "/api/v1/boots",
                        files={"log": ("soak.log", log + f"# {origin}\n".encode())},
                        data={"origin_id": origin},
                    )
                except httpx.HTTPError as exc:
                    self.done[f"upload {type(exc).__name__}"] += 1
                    continue
                self.done[f"upload {response.status_code}"] += 1
                if response.status_code == 202:
                    self.boot_ids.append(int(response.json()["id"]))
                    sent += 1

    def reader(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60, headers=bearer(self.token)) as http:
            while not self.stop.is_set():
                if not self.boot_ids:
                    time.sleep(0.5)
                    continue
                boot = self.boot_ids[-1]
                for path in (f"/api/v1/boots/{boot}", f"/api/v1/boots/{boot}/findings"):
                    self._get(http, "api", path)
                self._get(http, "page", f"/boots/{self.boot_ids[0]}")

    def _get(self, http: httpx.Client, what: str, path: str) -> None:
        try:
            self.done[f"{what} {http.get(path).status_code}"] += 1
        except httpx.HTTPError as exc:
            self.done[f"{what} {type(exc).__name__}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--uploaders", type=int, default=2)
    parser.add_argument("--readers", type=int, default=4)
    options = parser.parse_args()
    if reason := faultkit.missing_servers():
        sys.exit(f"soak: {reason}")
    print(f"cvmreview memory soak, {options.minutes:g} min, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cvmreview-soak-") as tmp:
        with faultkit.lab(Path(tmp), space_size="1g") as lab:
            soak(lab, options)


def soak(lab: faultkit.Lab, options: argparse.Namespace) -> None:
    processes = [("server", lab.server.pid)] + [
        (f"worker-{n}", worker.pid) for n, worker in enumerate(lab.workers)
    ]
    series = [Series(name) for name, _ in processes]
    load = Load(lab.server.url, lab.token)
    threads = [threading.Thread(target=load.uploader, args=(n,)) for n in range(options.uploaders)]
    threads += [threading.Thread(target=load.reader) for _ in range(options.readers)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < options.minutes * 60:
            for (_, pid), one in zip(processes, series, strict=True):
                one.samples.append((elapsed, tree_rss(pid)))
            time.sleep(options.interval)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join()
    pending = faultkit.wait_finished(lab.database_url, 300)
    warm_up = min(60.0, options.minutes * 60 / 10)
    for one in series:
        print(one.line(warm_up))
    print("requests:", dict(sorted(load.done.items())), f"- {len(pending)} analyses unfinished")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
