"""Fault injection for the scale-out configuration: private PostgreSQL and Redis servers that
a test may restart or starve, a stream of uploads that retries like a CI client, and the
check of what the stream left behind.

The machine's PostgreSQL and Redis are shared, so every fault is injected into servers of our
own: ``PrivatePostgres`` (initdb + pg_ctl into a temporary directory, a free port) and
``PrivateRedis`` (``redis-server`` on a free port, no persistence, like docker-compose.yml).
The short tests (``tests/e2e/test_service_faults.py``) and the long script
(``scripts/faults.py``) share everything here, so both measure the same promise: every
accepted upload ends done or failed with a reason, none is lost, none stored twice, clients
only ever get success or a retryable error (never a 500), and data stored before is intact.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.migrate import upgrade
from app.db.models import AnalysisRun, Blob, Boot, Finding
from app.db.session import Database
from tests.servicekit import ROOT, Process, Server, Services, bearer, free_port, service_env

LOGS = ROOT / "app" / "data" / "logs"
SMALL_LOG = LOGS / "003-tianocore-bz1354-sev-es-ovmf-debug.log"
MEDIUM_SOURCE = LOGS / "008-debian-ovmf-2022.11-debug-plain.log"
RETRYABLE = (429, 503, 507)


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def missing_servers() -> str | None:
    """Why the private servers cannot run here (None: they can)."""
    if _postgres_bin() is None:
        return "needs PostgreSQL binaries under /usr/lib/postgresql/*/bin"
    if shutil.which("redis-server") is None:
        return "needs redis-server"
    return None


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the ``postgres`` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


class PrivatePostgres:
    """A PostgreSQL cluster of our own in ``root`` on a free port (fsync off: a test server)."""

    def __init__(self) -> None:
        binaries = _postgres_bin()
        assert binaries is not None, missing_servers()
        # Its own directory under /tmp: a test's tmp_path (mode 0700, root's) is out of reach
        # of the postgres user.
        self.bin, self.root = binaries, Path(tempfile.mkdtemp(prefix="cvmreview-pg-"))
        self.root.chmod(0o755)
        self.data, self.port = self.root / "pgdata", free_port()
        _give_to_postgres(self.root)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E",
            "UTF8",
        )  # fmt: skip
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            _as_postgres([str(self.bin / tool), *args]), capture_output=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout!r} {done.stderr!r}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200 -c full_page_writes=off"
        )
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (what a restart for maintenance does)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, *, tablespace: Path | None = None) -> str:
        """A migrated database ``name`` (in a tablespace at ``tablespace`` if given)."""
        where = ""
        if tablespace is not None:
            _give_to_postgres(tablespace)
            self.execute(f"CREATE TABLESPACE {name}_space LOCATION '{tablespace}'")
            where = f" TABLESPACE {name}_space"
        self.execute(f'CREATE DATABASE "{name}"{where}')
        url = self.url(name)
        upgrade(url)
        return url

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute(f"DROP TABLESPACE IF EXISTS {name}_space")

    def close_server(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """``redis-server`` on a free port with no persistence: a restart loses every message."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        root.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.root / "redis.log").open("ab")
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.root)]
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if result.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise AssertionError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # like a crash: no chance to save anything
            self.process.wait(timeout=30)
            self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for the duration (root only)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path, leave_bytes: int) -> Path:
    """A ballast file that leaves about ``leave_bytes`` free on ``path``'s filesystem."""
    ballast = path / "ballast"
    free = shutil.disk_usage(path).free - leave_bytes
    with ballast.open("wb") as out:
        out.write(b"\0" * max(0, free))
    return ballast


def medium_log(lines: int) -> bytes:
    """A real Debian OVMF boot repeated to ``lines`` lines (takes a worker a few seconds)."""
    source = MEDIUM_SOURCE.read_bytes().splitlines(keepends=True)
    return b"".join(source[i % len(source)] for i in range(lines))


@dataclass
class Attempt:
    status: int  # 0: transport error (connection refused, reset, timeout)
    at: float  # seconds since the stream started
    retry_after: str | None = None
    detail: bool = True  # the body was JSON with a ``detail`` (always checked on errors)


@dataclass
class Upload:
    origin: str
    content: bytes
    attempts: list[Attempt] = field(default_factory=list)
    boot_id: int | None = None


@dataclass
class Stream:
    """``count`` uploads over HTTP by ``clients`` threads, each retried with the same
    ``origin_id`` on a retryable answer (honouring Retry-After, capped) or a transport error,
    until accepted or ``give_up_seconds`` passed: what ``cvmreview upload`` does."""

    base_url: str
    token: str
    uploads: list[Upload]
    clients: int = 4
    give_up_seconds: float = 120.0
    pause_seconds: float = 0.0
    started: float = 0.0
    finished: float = 0.0

    def run(self) -> None:
        self.started = time.monotonic()
        todo = iter(self.uploads)
        lock = threading.Lock()

        def client() -> None:
            with httpx.Client(base_url=self.base_url, timeout=60) as http:
                while True:
                    with lock:
                        upload = next(todo, None)
                    if upload is None:
                        return
                    self._send(http, upload)
                    time.sleep(self.pause_seconds)

        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.finished = time.monotonic()

    def _send(self, http: httpx.Client, upload: Upload) -> None:
        deadline = time.monotonic() + self.give_up_seconds
        while time.monotonic() < deadline:
            attempt = self._post(http, upload)
            upload.attempts.append(attempt)
            if attempt.status in (200, 202):
                return
            if attempt.status not in (0, *RETRYABLE):
                return  # not retryable: recorded, the check fails on it
            wait = float(attempt.retry_after or 0.5)
            time.sleep(min(wait, 2.0))

    def _post(self, http: httpx.Client, upload: Upload) -> Attempt:
        at = time.monotonic() - self.started
        try:
            response = http.post(
                "/api/v1/boots",
                files={"log": (f"{upload.origin}.log", upload.content)},
                data={"origin_id": upload.origin},
                headers=bearer(self.token),
            )
        except httpx.TransportError:
            return Attempt(0, at)
        attempt = Attempt(response.status_code, at, response.headers.get("retry-after"))
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code in (200, 202) and isinstance(body, dict):
            upload.boot_id = int(body["id"])
        elif response.status_code >= 400:
            attempt.detail = isinstance(body, dict) and bool(body.get("detail"))
        return attempt


def uploads_for(
    prefix: str, count: int, *, medium_every: int = 0, lines: int = 20_000
) -> list[Upload]:
    """``count`` distinct logs (each its own content and ``origin_id``); every
    ``medium_every``-th a longer one, so some analyses are still running when a fault hits."""
    small, medium = SMALL_LOG.read_bytes(), medium_log(lines) if medium_every else b""
    out = []
    for number in range(count):
        body = medium if medium_every and number % medium_every == 0 else small
        out.append(Upload(f"{prefix}-{number}", body + f"# upload {prefix}-{number}\n".encode()))
    return out


@dataclass
class Outcome:
    """What a stream left: the figures printed by scripts/faults.py and asserted by tests."""

    uploads: int
    accepted: int
    attempts: Counter[int]  # status code -> count (0: transport error)
    boots: int
    done: int
    failed: int
    failed_reasons: Counter[str]
    duplicates: int
    lost: list[str]
    not_finished: list[int]
    half_stored: list[int]
    bad_errors: list[str]  # 500s, errors without detail, retryable ones without Retry-After
    retried_uploads: int
    outage_seconds: float  # from the first refused attempt to the last one
    stream_seconds: float
    settle_seconds: float  # from the end of the stream until every boot was finished
    runs_attempts: Counter[int]  # attempts per run -> count

    def line(self, scenario: str) -> str:
        codes = ", ".join(
            f"{'transport' if c == 0 else c}: {n}" for c, n in sorted(self.attempts.items())
        )
        return (
            f"{scenario}: {self.uploads} uploads, {self.accepted} accepted, {self.boots} boots "
            f"({self.done} done, {self.failed} failed), lost {len(self.lost)}, duplicated "
            f"{self.duplicates}, half-stored {len(self.half_stored)}, bad errors "
            f"{len(self.bad_errors)}; answers {{{codes}}}; {self.retried_uploads} uploads retried, "
            f"refusals over {self.outage_seconds:.1f} s; stream {self.stream_seconds:.1f} s, all "
            f"finished {self.settle_seconds:.1f} s later; attempts per run "
            f"{dict(sorted(self.runs_attempts.items()))}"
        )

    def assert_promise(self) -> None:
        assert not self.bad_errors, self.bad_errors[:10]
        assert self.accepted == self.uploads, f"not accepted: {self.lost}"
        assert not self.lost, self.lost[:10]
        assert self.duplicates == 0
        assert not self.half_stored, self.half_stored
        assert not self.not_finished, self.not_finished
        assert self.boots == self.uploads, (self.boots, self.uploads)
        assert self.done + self.failed == self.boots
        assert all(reason for reason in self.failed_reasons), self.failed_reasons


def _bad_errors(stream: Stream) -> list[str]:
    bad = []
    for upload in stream.uploads:
        for attempt in upload.attempts:
            where = f"{upload.origin} at {attempt.at:.1f}s: {attempt.status}"
            if attempt.status >= 500 and attempt.status not in RETRYABLE:
                bad.append(f"{where} (server error)")
            elif attempt.status >= 400 and not attempt.detail:
                bad.append(f"{where} without a JSON detail")
            elif attempt.status in RETRYABLE and attempt.retry_after is None:
                bad.append(f"{where} without Retry-After")
            elif attempt.status >= 400 and attempt.status not in RETRYABLE:
                bad.append(f"{where} (refused, not retryable)")
    return bad


def wait_finished(database_url: str, timeout: float) -> list[int]:
    """Wait until no boot is queued or running; the ids still unfinished at ``timeout``."""
    db = Database(database_url, pool_size=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with db.read() as session:
                    pending = list(
                        session.scalars(
                            select(Boot.id).where(Boot.status.in_(("queued", "running")))
                        )
                    )
            except Exception:  # the database is still coming back
                pending = [-1]
            if not pending or time.monotonic() > deadline:
                return pending
            time.sleep(0.5)
    finally:
        db.dispose()


def outcome(stream: Stream, database_url: str, *, settle_timeout: float = 240) -> Outcome:
    """Wait for the analyses to finish, then compare the database with what clients saw."""
    not_finished = wait_finished(database_url, settle_timeout)
    settled = time.monotonic()
    attempts = Counter(a.status for u in stream.uploads for a in u.attempts)
    refused = [a.at for u in stream.uploads for a in u.attempts if a.status not in (200, 202)]
    db = Database(database_url, pool_size=1)
    try:
        with db.read() as session:
            boots = session.scalars(select(Boot).where(Boot.origin_id.is_not(None))).all()
            boots = [b for b in boots if b.origin_id in {u.origin for u in stream.uploads}]
            per_origin = Counter(b.origin_id for b in boots)
            half = [b.id for b in boots if _half_stored(session, b)]
            runs = session.scalars(
                select(AnalysisRun).where(AnalysisRun.boot_id.in_([b.id for b in boots]))
            ).all()
    finally:
        db.dispose()
    stored = set(per_origin)
    return Outcome(
        uploads=len(stream.uploads),
        accepted=sum(u.boot_id is not None for u in stream.uploads),
        attempts=attempts,
        boots=len(boots),
        done=sum(b.status == "done" for b in boots),
        failed=sum(b.status == "failed" for b in boots),
        failed_reasons=Counter(b.error or "" for b in boots if b.status == "failed"),
        duplicates=sum(n - 1 for n in per_origin.values()),
        lost=[u.origin for u in stream.uploads if u.boot_id is None or u.origin not in stored],
        not_finished=not_finished,
        half_stored=half,
        bad_errors=_bad_errors(stream),
        retried_uploads=sum(len(u.attempts) > 1 for u in stream.uploads),
        outage_seconds=(max(refused) - min(refused)) if refused else 0.0,
        stream_seconds=stream.finished - stream.started,
        settle_seconds=settled - stream.finished,
        runs_attempts=Counter(r.attempts for r in runs),
    )


def _half_stored(session: Session, boot: Boot) -> bool:
    """A boot without its log blob, without exactly one run, or whose result is missing."""
    if session.get(Blob, boot.log_sha256) is None:
        return True
    runs = session.scalar(
        select(func.count()).select_from(AnalysisRun).where(AnalysisRun.boot_id == boot.id)
    )
    if runs != 1:
        return True
    if boot.status == "done":
        run = session.get(AnalysisRun, boot.result_run_id) if boot.result_run_id else None
        if run is None or run.result_sha256 is None:
            return True
        if session.get(Blob, run.result_sha256) is None:
            return True
    stray = session.scalar(
        select(func.count())
        .select_from(Finding)
        .where(Finding.boot_id == boot.id, Finding.run_id != boot.result_run_id)
    )
    return bool(stray)


@dataclass(frozen=True)
class Snapshot:
    """What the API shows of boots stored before a fault: compared after it."""

    results: dict[int, bytes]
    logs: dict[int, bytes]


def snapshot(base_url: str, token: str, boot_ids: list[int]) -> Snapshot:
    with httpx.Client(base_url=base_url, timeout=60, headers=bearer(token)) as http:
        results = {i: http.get(f"/api/v1/boots/{i}/result").content for i in boot_ids}
        logs = {i: http.get(f"/api/v1/boots/{i}/log").content for i in boot_ids}
    return Snapshot(results, logs)


@dataclass
class Deployment:
    """A running server with its database, and the boots stored before any fault
    (``before``). ``space`` is the small filesystem holding the database (None: none)."""

    kit: Services
    server: Server
    token: str
    database_url: str
    space: Path | None
    before: Snapshot | None = None

    def stream(self, items: list[Upload], **options: float) -> Stream:
        return Stream(self.server.url, self.token, items, **options)  # type: ignore[arg-type]

    def intact(self) -> bool:
        """The boots stored before still serve the same result and log."""
        assert self.before is not None
        now = snapshot(self.server.url, self.token, list(self.before.results))
        return now == self.before


@dataclass
class Lab(Deployment):
    """The scale-out configuration on private servers: PostgreSQL, Redis, Celery workers."""

    postgres: PrivatePostgres | None = None
    redis: PrivateRedis | None = None
    workers: list[Process] = field(default_factory=list)

    def add_worker(self) -> Process:
        worker = self.kit.worker("--concurrency", "1")
        self.workers.append(worker)
        return worker


def _lab_env(tmp: Path, url: str, broker: str) -> dict[str, str]:
    """Short leases and requeue delays, so a killed worker's job is taken over in seconds."""
    return service_env(
        DATABASE_URL=url,
        CVMREVIEW_BROKER_URL=broker,
        CVMREVIEW_DATA_DIR=str(tmp / "data"),
        CVMREVIEW_LEASE_SECONDS="3",
        CVMREVIEW_POLL_SECONDS="0.5",
        CVMREVIEW_REQUEUE_SECONDS="5",
        CVMREVIEW_STORAGE_RETRY_SECONDS="3",
    )


@contextmanager
def lab(tmp: Path, *, workers: int = 2, space_size: str = "64m") -> Iterator[Lab]:
    """Private PostgreSQL (its database on a ``space_size`` tmpfs when root) and Redis, a
    server and ``workers`` Celery workers, and three boots analysed before any fault."""
    tmp.mkdir(parents=True, exist_ok=True)
    postgres, redis = PrivatePostgres(), PrivateRedis(tmp / "redis")
    with ExitStack() as cleanup:
        cleanup.callback(postgres.remove)
        cleanup.callback(postgres.close_server)
        cleanup.callback(redis.stop)
        space = None
        if os.geteuid() == 0:
            space = cleanup.enter_context(small_filesystem(postgres.root / "space", space_size))
            cleanup.callback(postgres.close_server)  # stopped before the unmount
        url = postgres.create_database("cvmreview", tablespace=space)
        kit = Services(tmp, _lab_env(tmp, url, redis.url))
        cleanup.callback(kit.stop)
        the_lab = Lab(kit, kit.server(), kit.token(), url, space, postgres=postgres, redis=redis)
        for _ in range(workers):
            the_lab.add_worker()
        the_lab.before = baseline(the_lab)
        yield the_lab


@contextmanager
def embedded(tmp: Path, *, space_size: str = "8m") -> Iterator[Deployment]:
    """The default configuration (SQLite, one embedded worker) with its data directory on a
    ``space_size`` tmpfs (root only), and three boots analysed before any fault."""
    with small_filesystem(tmp / "data", space_size) as data, ExitStack() as cleanup:
        env = service_env(
            CVMREVIEW_DATA_DIR=str(data),
            CVMREVIEW_LEASE_SECONDS="3",
            CVMREVIEW_STORAGE_RETRY_SECONDS="3",
        )
        kit = Services(tmp, env)
        cleanup.callback(kit.stop)
        token = kit.token()
        url = f"sqlite:///{data / 'cvmreview.db'}"
        deployment = Deployment(kit, kit.server("--workers", "1"), token, url, data)
        deployment.before = baseline(deployment)
        yield deployment


def baseline(the_lab: Deployment, count: int = 3) -> Snapshot:
    """``count`` boots analysed before the faults; their results and logs, as served."""
    items = uploads_for("before", count)
    the_lab.stream(items, clients=1).run()
    assert all(item.boot_id for item in items), [i.attempts for i in items]
    assert not wait_finished(the_lab.database_url, 180)
    return snapshot(the_lab.server.url, the_lab.token, [i.boot_id for i in items if i.boot_id])


@dataclass
class Result:
    """One scenario's outcome, whether the earlier boots are intact, and the fault injected
    (how many times, and what)."""

    scenario: str
    outcome: Outcome
    intact: bool
    injected: int
    fault: str

    def __str__(self) -> str:
        return (
            f"{self.outcome.line(self.scenario)}; fault: {self.fault}; boots stored before "
            f"{'intact' if self.intact else 'CHANGED'}"
        )

    def assert_promise(self) -> None:
        assert self.injected > 0, f"no fault was injected: {self.fault}"
        self.outcome.assert_promise()
        assert self.intact, "boots stored before the fault changed"


Fault = Callable[["Stream"], tuple[int, str]]


def run_scenario(scenario: str, target: Deployment, items: list[Upload], fault: Fault) -> Result:
    """The stream with ``fault`` running beside it, then the outcome."""
    stream = target.stream(items)
    said: list[tuple[int, str]] = []
    thread = threading.Thread(target=lambda: said.append(fault(stream)))
    thread.start()
    stream.run()
    thread.join()
    result = outcome(stream, target.database_url)
    injected, what = said[0] if said else (0, "the fault thread failed")
    return Result(scenario, result, target.intact(), injected, what)


def _running(stream: Stream) -> bool:
    return stream.finished == 0.0


def _when_refused(stream: Stream, timeout: float = 60) -> bool:
    """Wait until some client was refused (the fault reached the clients)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _running(stream):
        if any(a.status not in (200, 202) for u in stream.uploads for a in u.attempts):
            return True
        time.sleep(0.05)
    return False


def _after_accepted(stream: Stream, count: int) -> bool:
    """Wait until ``count`` uploads were accepted; False if the stream ended first."""
    while sum(u.boot_id is not None for u in stream.uploads) < count:
        if not _running(stream):
            return False
        time.sleep(0.05)
    return True


def kill_workers(the_lab: Lab, *, uploads: int, down: float, every: float = 2.0) -> Result:
    """SIGKILL a worker (the oldest, pool and all) every ``every`` seconds while the stream
    runs, starting a new one each time."""

    def fault(stream: Stream) -> tuple[int, str]:
        killed = 0
        while killed == 0 or _running(stream):  # once at least, also after a quick stream
            time.sleep(every)
            the_lab.workers.pop(0).kill()
            killed += 1
            the_lab.add_worker()
        return killed, f"{killed} workers killed with SIGKILL, one every {every:.0f} s"

    items = uploads_for("kill", uploads, medium_every=4)
    return run_scenario("kill-workers", the_lab, items, fault)


def _twice(restart: Callable[[], None], uploads: int) -> Fault:
    """Restart a server when 20% and when 60% of the uploads were accepted."""

    def fault(stream: Stream) -> tuple[int, str]:
        done = 0
        for share in (0.2, 0.6):
            if _after_accepted(stream, int(uploads * share)):
                restart()
                done += 1
        return done, f"{done} restarts"

    return fault


class _Restartable(Protocol):
    def restart(self, down_seconds: float = 0.0) -> None: ...


def _restarts(
    the_lab: Lab,
    server: _Restartable | None,
    scenario: str,
    what: str,
    *,
    uploads: int,
    down: float,
) -> Result:
    """``server`` restarted twice during the stream, down ``down`` s each time."""
    assert server is not None
    fault = _twice(lambda: server.restart(down_seconds=down), uploads)
    items = uploads_for(scenario, uploads, medium_every=8)
    result = run_scenario(scenario, the_lab, items, fault)
    result.fault = f"{what}, down {down:.0f} s, {result.fault}"
    return result


def restart_postgres(the_lab: Lab, *, uploads: int, down: float) -> Result:
    """PostgreSQL stopped (fast: every session ends) and started ``down`` s later, twice."""
    what = "PostgreSQL stopped (fast)"
    return _restarts(
        the_lab, the_lab.postgres, "restart-postgres", what, uploads=uploads, down=down
    )


def restart_redis(the_lab: Lab, *, uploads: int, down: float) -> Result:
    """redis-server killed and started again, empty, ``down`` s later, twice."""
    what = "redis-server killed, started empty"
    return _restarts(the_lab, the_lab.redis, "restart-redis", what, uploads=uploads, down=down)


def full_disk(target: Deployment, *, uploads: int, down: float) -> Result:
    """The database's filesystem filled up to 256 KiB; freed ``down`` s after the first
    refusal, while the clients keep retrying."""
    space = target.space
    assert space is not None, "the full-disk scenario needs root (mount -t tmpfs)"

    def fault(stream: Stream) -> tuple[int, str]:
        ballast = fill(space, 256 * 1024)
        refused = _when_refused(stream)
        time.sleep(down)
        ballast.unlink()
        seen = "refusals seen" if refused else "NO refusal"
        return int(refused), f"database filesystem filled ({seen}), freed {down:.0f} s later"

    return run_scenario("full-disk", target, uploads_for("disk", uploads), fault)


SCENARIOS: dict[str, Callable[..., Result]] = {
    "kill-workers": kill_workers,
    "restart-postgres": restart_postgres,
    "restart-redis": restart_redis,
    "full-disk": full_disk,
}
