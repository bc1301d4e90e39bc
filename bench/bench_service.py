"""Service benchmark: a real `cvmreview serve` over loopback HTTP, figures printed.

    .venv/bin/python bench/bench_service.py                         # SQLite, 2 embedded workers
    .venv/bin/python bench/bench_service.py --database-url postgresql://postgres@127.0.0.1/test \
        --broker-url redis://127.0.0.1:6379/9                       # PostgreSQL + 2 Celery workers

Measures (1) upload-to-result latency of a 50,000-line boot (a real Debian OVMF log repeated),
(2) sustained uploads per second, accepted and analysed, with two workers, and (3) p50/p95 of
GET /api/v1/boots/{id} under 50 concurrent clients (httpx async on loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CVMREVIEW = str(Path(sys.executable).parent / "cvmreview")
LOG = ROOT / "app" / "data" / "logs" / "008-debian-ovmf-2022.11-debug-plain.log"
SMALL = ROOT / "app" / "data" / "logs" / "003-tianocore-bz1354-sev-es-ovmf-debug.log"


def big_log(lines: int) -> bytes:
    source = LOG.read_bytes().splitlines(keepends=True)
    return b"".join(source[i % len(source)] for i in range(lines))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [CVMREVIEW, *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_healthy(base: str, attempts: int = 300) -> None:
    """Until the server at ``base`` answers /api/v1/health (at most ``attempts`` tries)."""
    for _ in range(attempts):
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)


def wait_done(client: httpx.Client, boot_id: int, interval: float = 0.02) -> dict[str, object]:
    while True:
        boot: dict[str, object] = client.get(f"/api/v1/boots/{boot_id}").json()
        if boot["status"] in ("done", "failed"):
            return boot
        time.sleep(interval)


def upload(client: httpx.Client, content: bytes, name: str) -> int:
    response = client.post("/api/v1/boots", files={"log": (name, content)})
    response.raise_for_status()
    return int(response.json()["id"])


def bench_latency(client: httpx.Client, lines: int, repeats: int) -> list[float]:
    content = big_log(lines)
    timings = []
    for number in range(repeats):
        started = time.perf_counter()
        boot_id = upload(client, content + f"run {number}\n".encode(), f"big-{number}.log")
        boot = wait_done(client, boot_id)
        client.get(f"/api/v1/boots/{boot_id}/result").raise_for_status()
        timings.append(time.perf_counter() - started)
        assert boot["status"] == "done", boot
    return timings


def bench_throughput(client: httpx.Client, count: int) -> tuple[float, float]:
    content = SMALL.read_bytes()
    started = time.perf_counter()
    ids = [upload(client, content + f"#{i}\n".encode(), f"small-{i}.log") for i in range(count)]
    accepted = time.perf_counter() - started
    for boot_id in ids:
        wait_done(client, boot_id, interval=0.05)
    analysed = time.perf_counter() - started
    return count / accepted, count / analysed


async def bench_reads(base: str, token: str, boot_id: int, clients: int, each: int) -> list[float]:
    timings: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:

        async def one_client() -> None:
            for _ in range(each):
                started = time.perf_counter()
                response = await client.get(f"/api/v1/boots/{boot_id}")
                timings.append(time.perf_counter() - started)
                response.raise_for_status()

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--broker-url", help="Redis URL: two Celery workers instead of embedded")
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--uploads", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="GETs per client")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cvmreview-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CVMREVIEW_")}
        env.update(CVMREVIEW_DATA_DIR=str(Path(tmp) / "data"), CVMREVIEW_POLL_SECONDS="0.2")
        if options.database_url:
            env["DATABASE_URL"] = options.database_url
        if options.broker_url:
            env["CVMREVIEW_BROKER_URL"] = options.broker_url
        token = (
            subprocess.run(
                [CVMREVIEW, "token", "create", "--project", "bench"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        processes = [
            start(
                ["serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
                env,
                Path(tmp) / "server.log",
            )
        ]
        if options.broker_url:
            processes += [
                start(["worker", "--concurrency", "1"], env, Path(tmp) / f"w{i}.log")
                for i in range(2)
            ]
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            backend = "celery (2 workers)" if options.broker_url else "embedded (2 workers)"
            database = "postgresql" if options.database_url else "sqlite"
            print(f"cvmreview service benchmark: {database}, {backend}, {os.cpu_count()} CPUs")
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
                latency = bench_latency(client, options.lines, options.repeats)
                print(
                    f"upload-to-result, {options.lines:,}-line boot: median "
                    f"{statistics.median(latency):.2f}s (min {min(latency):.2f}s, "
                    f"max {max(latency):.2f}s, n={len(latency)})"
                )
                accepted, analysed = bench_throughput(client, options.uploads)
                print(
                    f"sustained uploads ({options.uploads} x 1,811-line boot, one client): "
                    f"{accepted:.1f}/s accepted, {analysed:.1f}/s analysed end to end"
                )
                boot_id = upload(client, SMALL.read_bytes(), "read-target.log")
                wait_done(client, boot_id)
            reads = asyncio.run(
                bench_reads(base, token, boot_id, options.clients, options.requests)
            )
            print(
                f"GET /api/v1/boots/{{id}}, {options.clients} concurrent clients, "
                f"{len(reads)} requests: p50 {percentile(reads, 0.5) * 1000:.1f} ms, "
                f"p95 {percentile(reads, 0.95) * 1000:.1f} ms, "
                f"{len(reads) / max(sum(reads) / options.clients, 1e-9):.0f} req/s"
            )
        finally:
            for process in processes:
                stop(process)


if __name__ == "__main__":
    main()
