"""``cvmreview capture``: run QEMU with what a review needs and record one stamped capture.

What is added to the QEMU command when absent: a debug console on port 0x402 (``-debugcon``,
where OVMF's DEBUG output goes), ``-trace`` for the host-view events (QEMU's ``log`` trace
backend), ``-D`` for the trace output, and ``-msg timestamp=on`` (the trace's own clock). The
debug console and the trace output are named pipes in a private directory; QEMU's stdout (the
serial console with ``-nographic`` or ``-serial stdio``) and stderr are pipes too. One reader
thread per stream splits lines and stamps each on arrival with the monotonic seconds since
QEMU started; a writer puts them in arrival order into one capture file (gzip when the name
ends in ``.gz``) as ``[   12.345678] line``, the stamp the scanner reads as the line's time. A
printk stamp at the start of a serial line is replaced by the capture's (one clock for all).

Ending: when QEMU exits, the readers see end of file and everything is written. ``stop()``
(Ctrl-C) asks QEMU to quit with SIGTERM (it shuts down cleanly), then SIGKILL after a grace
period; the readers still drain every byte QEMU wrote. Subprocess management is service work,
not engine work, hence this module is outside ``app.analysis``.
"""

from __future__ import annotations

import gzip
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

DEBUGCON_PORT = "0x402"
HOST_TRACE_EVENTS = (
    "kvm_convert_memory",
    "kvm_memory_fault",
    "kvm_hc_map_gpa_range",
    "kvm_sev_init",
    "kvm_sev_launch_*",
    "kvm_sev_snp_launch_*",
    "kvm_memcrypt_register_region",
    "kvm_set_user_memory",
    "kvm_tdx_*",
    "kvm_run_exit_system_event",
    "qemu_system_shutdown_request",
    "tdx_handle_reset",
)
"""The events ``formats.qemu_trace`` reads; each given as a pattern (a trailing ``*``) so that a
QEMU without one of them (older, or no SEV/TDX) does not warn about it."""
STOP_GRACE_SECONDS = 10.0
_PRINTK = re.compile(rb"^\[\s*\d+\.\d+\] ?")


class CaptureError(Exception):
    """The capture cannot start (QEMU missing, bad command) or its output cannot be written."""


@dataclass(frozen=True, slots=True)
class Progress:
    lines: int
    bytes: int
    elapsed: float


@dataclass(slots=True)
class CaptureResult:
    path: Path
    lines: int
    bytes: int
    elapsed: float
    exit_code: int | None
    stopped: bool
    lines_by_source: dict[str, int] = field(default_factory=dict)


def _has(command: Sequence[str], *options: str) -> bool:
    return any(arg in options or arg.startswith(tuple(o + "=" for o in options)) for arg in command)


def build_command(
    command: Sequence[str], *, debugcon: Path, trace_log: Path, extra_events: Sequence[str] = ()
) -> list[str]:
    """The QEMU command with what the capture needs added (what the user gave is kept)."""
    if not command:
        raise CaptureError("no QEMU command given (cvmreview capture -- qemu-system-x86_64 ...)")
    out = list(command)
    if not _has(out, "-debugcon") and not any("isa-debugcon" in arg for arg in out):
        out += ["-debugcon", f"file:{debugcon}", "-global", f"isa-debugcon.iobase={DEBUGCON_PORT}"]
    if not _has(out, "-trace", "--trace"):
        for event in (*HOST_TRACE_EVENTS, *extra_events):
            out += ["-trace", event if event.endswith("*") else event + "*"]
    if not _has(out, "-D"):
        out += ["-D", str(trace_log)]
    if not _has(out, "-msg"):
        out += ["-msg", "timestamp=on"]
    return out


class _Sink:
    """Writes stamped lines in arrival order; counts what it wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = open(path, "wb")
        except OSError as exc:
            raise CaptureError(f"cannot write {path}: {exc.strerror}") from exc
        gz = path.name.endswith(".gz")
        self._gzip = gzip.GzipFile(fileobj=self._file, mode="wb") if gz else None
        self.lines = 0
        self.bytes = 0
        self.by_source: dict[str, int] = {}

    def write(self, stamp: float, source: str, line: bytes) -> None:
        if source == "serial":
            line = _PRINTK.sub(b"", line, count=1)
        data = b"[%12.6f] " % stamp + line + b"\n"
        (self._gzip or self._file).write(data)
        self.lines += 1
        self.bytes += len(data)
        self.by_source[source] = self.by_source.get(source, 0) + 1

    def close(self) -> None:
        if self._gzip is not None:
            self._gzip.close()  # writes the gzip trailer; does not close the file it was given
        self._file.close()


class Capture:
    """One QEMU run recorded into ``output``. ``run()`` blocks until QEMU is gone."""

    def __init__(
        self,
        command: Sequence[str],
        output: Path,
        *,
        extra_events: Sequence[str] = (),
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="cvmreview-capture-"))
        self._fifos = {"debugcon": self._workdir / "debugcon", "trace": self._workdir / "trace"}
        for fifo in self._fifos.values():
            os.mkfifo(fifo, 0o600)
        self.command = build_command(
            command,
            debugcon=self._fifos["debugcon"],
            trace_log=self._fifos["trace"],
            extra_events=extra_events,
        )
        self._sink = _Sink(output)
        self._queue: queue.Queue[tuple[float, str, bytes] | None] = queue.Queue()
        self._on_progress = on_progress
        self._process: subprocess.Popen[bytes] | None = None
        self._started = 0.0
        self._stopped = False
        self._order = threading.Lock()  # a stamp and its enqueueing are one step: in order

    def run(self) -> CaptureResult:
        self._started = time.monotonic()
        try:
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C reaches us; we stop QEMU ourselves
            )
        except OSError as exc:
            self._cleanup()
            raise CaptureError(f"cannot run {self.command[0]}: {exc.strerror}") from exc
        readers = [
            self._reader("serial", self._process.stdout),
            self._reader("qemu", self._process.stderr),
            *(self._fifo_reader(name, path) for name, path in self._fifos.items()),
        ]
        writer = threading.Thread(target=self._write_all, name="capture-writer", daemon=True)
        writer.start()
        try:
            code = self._process.wait()
        except KeyboardInterrupt:
            self.stop()
            code = self._process.wait()
        self._unblock_fifos()
        for reader in readers:
            reader.join()
        self._queue.put(None)
        writer.join()
        self._sink.close()
        self._cleanup()
        return CaptureResult(
            self._sink.path,
            self._sink.lines,
            self._sink.bytes,
            round(time.monotonic() - self._started, 3),
            code,
            self._stopped,
            dict(self._sink.by_source),
        )

    def stop(self) -> None:
        """Ask QEMU to quit (SIGTERM), and kill it if it has not after the grace period."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        self._stopped = True
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()

    # --- readers and the writer -----------------------------------------------------------

    def _reader(self, source: str, stream: IO[bytes] | None) -> threading.Thread:
        thread = threading.Thread(
            target=self._read_lines, args=(source, stream), name=f"capture-{source}", daemon=True
        )
        thread.start()
        return thread

    def _fifo_reader(self, source: str, path: Path) -> threading.Thread:
        def read() -> None:
            with open(path, "rb", buffering=0) as stream:  # blocks until QEMU opens it
                self._read_lines(source, stream)

        thread = threading.Thread(target=read, name=f"capture-{source}", daemon=True)
        thread.start()
        return thread

    def _unblock_fifos(self) -> None:
        """A pipe QEMU never opened (it failed early) would keep its reader waiting: open
        the write side once so that the reader sees end of file."""
        for path in self._fifos.values():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue  # no reader waiting (already at end of file)
            os.close(fd)

    def _read_lines(self, source: str, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        pending = b""
        put = self._queue.put
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\n")
            with self._order:
                now = round(time.monotonic() - self._started, 6)
                for line in complete:
                    put((now, source, line.rstrip(b"\r")))
        if pending:
            with self._order:
                put((round(time.monotonic() - self._started, 6), source, pending.rstrip(b"\r")))

    def _write_all(self) -> None:
        last_report = 0.0
        while True:
            item = self._queue.get()
            if item is None:
                break
            self._sink.write(*item)
            if self._on_progress is not None and item[0] - last_report >= 0.2:
                last_report = item[0]
                self._on_progress(Progress(self._sink.lines, self._sink.bytes, item[0]))
        if self._on_progress is not None:
            elapsed = round(time.monotonic() - self._started, 3)
            self._on_progress(Progress(self._sink.lines, self._sink.bytes, elapsed))

    def _cleanup(self) -> None:
        for fifo in self._fifos.values():
            fifo.unlink(missing_ok=True)
        try:
            self._workdir.rmdir()
        except OSError:
            pass
