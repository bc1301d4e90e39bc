"""Helpers for the service tests: upload and poll over any HTTP client, run real processes.

Server and worker processes are the real ``cvmreview serve`` / ``cvmreview worker`` commands,
started with a bounded wait for readiness and always killed (whole process tree) in teardown.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import httpx

ROOT = Path(__file__).resolve().parents[1]
CVMREVIEW = [str(Path(sys.executable).parent / "cvmreview")]


class HttpClient(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...

    def post(self, url: str, **kwargs: Any) -> Any: ...


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(
    client: HttpClient, token: str, log: Path | bytes, *, name: str = "boot.log", **fields: str
) -> Any:
    """POST a log (path or bytes) with form ``fields``; returns the response."""
    content = log.read_bytes() if isinstance(log, Path) else log
    return client.post(
        "/api/v1/boots", files={"log": (name, content)}, data=fields, headers=bearer(token)
    )


def wait_for_status(
    client: HttpClient, boot_id: int, token: str | None, *, timeout: float = 60.0
) -> dict[str, Any]:
    """Poll until the boot is done or failed; AssertionError after ``timeout`` seconds."""
    headers = bearer(token) if token else {}
    deadline = time.monotonic() + timeout
    boot: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/boots/{boot_id}", headers=headers)
        assert response.status_code == 200, response.text
        boot = response.json()
        if boot["status"] in ("done", "failed"):
            return boot
        time.sleep(0.1)
    raise AssertionError(f"boot {boot_id} still {boot.get('status')} after {timeout}s: {boot}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(**values: str) -> dict[str, str]:
    """The environment of a child process: no CVMREVIEW_*/DATABASE_URL leaks from ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CVMREVIEW_") and k != "DATABASE_URL"
    }
    env.update({"CVMREVIEW_SECRET_KEY": "e2e-secret", "PYTHONUNBUFFERED": "1"}, **values)
    return env


class Process:
    """A child process in its own session, so the whole tree can be killed."""

    def __init__(
        self, args: list[str], env: Mapping[str, str], log_path: Path, cwd: Path = ROOT
    ) -> None:
        self.args, self.log_path = args, log_path
        self.log_file = log_path.open("ab")
        self.popen = subprocess.Popen(
            args,
            env=dict(env),
            cwd=cwd,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group and reap it."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
        self.kill(signal.SIGKILL)
        self.log_file.close()


class Server(Process):
    """``cvmreview serve`` on a free port, ready when /api/v1/health answers; ``command`` and
    ``cwd`` run another installation of cvmreview from elsewhere."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        *extra: str,
        command: list[str] = CVMREVIEW,
        cwd: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [*command, "serve", "--port", str(self.port), "--log-level", "warning", *extra]
        super().__init__(args, env, log_path, cwd)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready after {timeout}s:\n{self.output()}")


def run_cli(args: list[str], env: Mapping[str, str], timeout: float = 120.0) -> str:
    """Run a ``cvmreview`` command to completion; returns stdout (fails with its output)."""
    result = subprocess.run(
        [*CVMREVIEW, *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Services:
    """Starts servers and workers for one test and stops every one of them afterwards."""

    def __init__(self, tmp_path: Path, env: Mapping[str, str]) -> None:
        self.tmp_path, self.env = tmp_path, dict(env)
        self.processes: list[Process] = []

    def server(self, *extra: str, **env: str) -> Server:
        server = Server(
            {**self.env, **env}, self.tmp_path / f"server-{len(self.processes)}.log", *extra
        )
        self.processes.append(server)
        server.wait_ready()
        return server

    def worker(self, *extra: str, **env: str) -> Process:
        args = [*CVMREVIEW, "worker", "--loglevel", "warning", *extra]
        log_path = self.tmp_path / f"worker-{len(self.processes)}.log"
        worker = Process(args, {**self.env, **env}, log_path)
        self.processes.append(worker)
        return worker

    def token(self, project: str = "e2e", scopes: str = "upload,read,admin") -> str:
        out = run_cli(["token", "create", "--project", project, "--scopes", scopes], self.env)
        return out.strip().splitlines()[-1]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
