"""Load benchmark: N concurrent clients against a real `cvmreview serve`, on loopback only.

    .venv/bin/python bench/bench_load.py                        # embedded default (SQLite)
    .venv/bin/python bench/bench_load.py --clients 50 200 --seconds 10
    .venv/bin/python bench/bench_load.py --database-url postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/bench_load.py --scale-out    # private PostgreSQL + Redis, 2 workers
    .venv/bin/python bench/bench_load.py --app-root /tmp/old-checkout   # the same, older code

For each number of clients and each target (the API's ``GET /api/v1/boots/{id}`` and the boot
page ``/boots/{id}``), every client repeats its request for ``--seconds``; printed: requests
per second, p50/p95/p99 latency, and the errors (status codes other than 200, 503s counted
apart, and transport errors such as timeouts). Then the time the server needs to answer
``/api/v1/health`` again once the clients have left. Bounded: at most ``--seconds`` per run
plus a 30 s request timeout.

``--scale-out`` is docker-compose.yml's configuration on this machine: a private PostgreSQL
and redis-server (``tests/faultkit.py``: the machine's are shared), the server with Celery as
its job backend, and ``--workers`` (2) ``cvmreview worker --concurrency 1`` processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_service import (
    CVMREVIEW,
    SMALL,
    free_port,
    percentile,
    start,
    stop,
    upload,
    wait_done,
    wait_healthy,
)

REQUEST_TIMEOUT = 30.0


@dataclass
class Run:
    """What one load run saw."""

    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return self.statuses[200]

    def summary(self, target: str) -> str:
        errors = sum(self.statuses.values()) - self.ok + sum(self.failures.values())
        rest = {str(code): n for code, n in sorted(self.statuses.items()) if code != 200}
        rest.update(self.failures)
        lat = sorted(self.latencies) or [0.0]
        return (
            f"{target}, {self.clients} clients, {self.seconds:.0f} s: "
            f"{self.ok / self.seconds:.0f} req/s ok, p50 {percentile(lat, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(lat, 0.95) * 1000:.0f} ms, p99 {percentile(lat, 0.99) * 1000:.0f} ms"
            f" (successes only), errors {errors} {rest or ''}"
        )


async def load_run(base: str, token: str, path: str, clients: int, seconds: float) -> Run:
    run = Run(clients, seconds)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(REQUEST_TIMEOUT)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=timeout
    ) as client:
        deadline = time.monotonic() + seconds

        async def one_client() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError as exc:
                    run.failures[type(exc).__name__] += 1
                    continue
                run.statuses[response.status_code] += 1
                if response.status_code == 200:
                    run.latencies.append(time.perf_counter() - started)
                elif response.status_code == 503:
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return run


def recovery_seconds(base: str, limit: float = 120.0) -> float:
    """How long after the clients left until /api/v1/health answers 200 within 1 s."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return float("inf")


@contextmanager
def scale_out(tmp: Path, env: dict[str, str], workers: int) -> Iterator[str]:
    """Private PostgreSQL and Redis in ``env``; yields a description once they run. The
    Celery workers are started by ``run_all`` (after the server)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.faultkit import PrivatePostgres, PrivateRedis

    postgres, redis = PrivatePostgres(), PrivateRedis(tmp / "redis")
    try:
        url = postgres.create_database("bench")
        env.update(DATABASE_URL=url, CVMREVIEW_BROKER_URL=redis.url)
        yield f"postgresql (private), celery on redis (private), {workers} workers"
    finally:
        redis.stop()
        postgres.close_server()
        postgres.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--scale-out", action="store_true", help="private PostgreSQL + Redis, Celery workers"
    )
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (--scale-out)")
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--app-root", type=Path, help="run the server from this source tree")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cvmreview-load-") as tmp, ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CVMREVIEW_")}
        env.update(CVMREVIEW_DATA_DIR=str(Path(tmp) / "data"), CVMREVIEW_SECRET_KEY="bench-" * 6)
        setup = "sqlite, embedded workers"
        if options.database_url:
            env["DATABASE_URL"] = options.database_url
            setup = "postgresql, embedded workers"
        if options.scale_out:
            setup = stack.enter_context(scale_out(Path(tmp), env, options.workers))
        if options.app_root:
            env["PYTHONPATH"] = str(options.app_root.resolve())
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start(
            ["serve", "--port", str(port), "--log-level", "warning"], env, Path(tmp) / "server.log"
        )
        stack.callback(stop, server)
        wait_healthy(base)
        if options.scale_out:
            for number in range(options.workers):
                args = ["worker", "--concurrency", "1", "--loglevel", "warning"]
                worker = start(args, env, Path(tmp) / f"worker-{number}.log")
                stack.callback(stop, worker)
        run_all(base, env, options, setup)


def run_all(base: str, env: dict[str, str], options: argparse.Namespace, setup: str) -> None:
    command = [CVMREVIEW, "token", "create", "--project", "bench", "--scopes", "upload,read"]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    token = out.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        boot_id = upload(client, SMALL.read_bytes(), "load-target.log")
        wait_done(client, boot_id)
    load = os.getloadavg()[0]
    print(f"cvmreview load benchmark: {setup}, {os.cpu_count()} CPUs, load average {load:.1f}")
    for path, target in ((f"/api/v1/boots/{boot_id}", "API boot"), (f"/boots/{boot_id}", "page")):
        for clients in options.clients:
            run = asyncio.run(load_run(base, token, path, clients, options.seconds))
            print(run.summary(target), flush=True)
            print(f"  health answers again after {recovery_seconds(base):.1f} s", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
