"""``cvmreview capture`` for real: Debian's qemu-system-x86 under TCG booting Debian's OVMF
(no disk), with trace events that fire under TCG (fw_cfg_*, pflash_*), stopped with Ctrl-C
(SIGINT to the capture), then uploaded to a real ``cvmreview serve``."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.service.capture import HOST_TRACE_EVENTS, build_command
from tests.servicekit import CVMREVIEW, ROOT, Services, bearer, service_env

QEMU = shutil.which("qemu-system-x86_64")
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
STAMP = re.compile(rb"^\[\s*(\d+\.\d+)\] ")


def test_build_command_adds_only_what_is_missing(tmp_path: Path) -> None:
    fifo, trace = tmp_path / "d", tmp_path / "t"
    added = build_command(["qemu-system-x86_64", "-m", "1G"], debugcon=fifo, trace_log=trace)
    assert added[:3] == ["qemu-system-x86_64", "-m", "1G"]
    assert ["-debugcon", f"file:{fifo}", "-global", "isa-debugcon.iobase=0x402"] == added[3:7]
    assert added.count("-trace") == len(HOST_TRACE_EVENTS)
    assert "kvm_convert_memory*" in added and added[-4:] == [
        "-D",
        str(trace),
        "-msg",
        "timestamp=on",
    ]
    own = ["qemu", "-debugcon", "stdio", "-trace", "x", "-D", "q.log", "-msg", "timestamp=off"]
    assert build_command(own, debugcon=fifo, trace_log=trace) == own


def qemu_command(vars_copy: Path) -> list[str]:
    return [
        str(QEMU),
        "-machine",
        "q35,accel=tcg",
        "-nographic",
        "-nodefaults",
        "-m",
        "256",
        "-drive",
        f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
        "-drive",
        f"if=pflash,format=raw,unit=1,file={vars_copy}",
        "-serial",
        "stdio",
    ]


def qemu_running(marker: Path) -> bool:
    """Is any process's command line naming ``marker`` (our VARS copy) still alive?"""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(marker).encode() in cmdline and b"qemu-system" in cmdline:
            return True
    return False


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    kit = Services(tmp_path, service_env(CVMREVIEW_DATA_DIR=str(tmp_path / "data")))
    yield kit
    kit.stop()


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(QEMU is None or not OVMF_CODE.is_file(), reason="qemu-system-x86 and ovmf")
def test_capture_of_ovmf_under_tcg_stops_on_ctrl_c_and_uploads(
    tmp_path: Path, services: Services
) -> None:
    token = services.token()
    server = services.server()
    vars_copy = tmp_path / "OVMF_VARS.fd"
    shutil.copyfile(OVMF_VARS, vars_copy)
    output = tmp_path / "capture.log.gz"
    capture = subprocess.Popen(
        [
            *CVMREVIEW,
            "capture",
            "--output",
            str(output),
            "--trace",
            "fw_cfg_*",
            "--trace",
            "pflash_*",
            "--server",
            server.url,
            "--token",
            token,
            "--",
            *qemu_command(vars_copy),
        ],
        env=services.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not qemu_running(vars_copy) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert qemu_running(vars_copy), "QEMU did not start"
        time.sleep(6)  # OVMF runs SEC/PEI/DXE under TCG: fw_cfg and pflash events fire
        os.kill(capture.pid, signal.SIGINT)  # what Ctrl-C does
        out, err = capture.communicate(timeout=120)
    finally:
        if capture.poll() is None:
            os.killpg(capture.pid, signal.SIGKILL)
    assert capture.returncode == 0, err.decode()
    assert not qemu_running(vars_copy), "QEMU still running after Ctrl-C"
    assert b"stopped;" in err
    lines = gzip.decompress(output.read_bytes()).split(b"\n")
    assert lines[-1] == b""
    stamps = [STAMP.match(line) for line in lines[:-1]]
    assert all(stamps), [line for line, s in zip(lines, stamps, strict=False) if not s][:3]
    seconds = [float(s.group(1)) for s in stamps if s]
    assert seconds == sorted(seconds) and seconds[-1] < 60
    trace = [line for line in lines if re.search(rb"\] \d+@\d+\.\d{6}:(fw_cfg|pflash)_", line)]
    assert len(trace) > 20  # the log backend's lines, with -msg timestamp=on's prefix
    assert any(b"fw_cfg_read" in line or b"fw_cfg_select" in line for line in trace)
    # QEMU's own last word on stderr: stopped, not killed. Other lines may follow it in the
    # capture: the trace backend writes through a buffered stream flushed only as QEMU exits,
    # and the guest's debug console is read by another thread.
    said = [line for line in lines if b"qemu-system-x86_64: " in line]
    assert said and b"terminating on signal 15" in said[-1], said[-3:]
    text = out.decode()
    assert "verdict: worst severity" in text
    url = text.strip().splitlines()[-1]
    boot_id = int(url.rstrip("/").rsplit("/", 1)[-1])
    with httpx.Client(base_url=server.url, timeout=30) as client:
        boot = client.get(f"/api/v1/boots/{boot_id}", headers=bearer(token)).json()
        assert boot["status"] == "done" and boot["log_lines"] == len(lines) - 1
        result = client.get(f"/api/v1/boots/{boot_id}/result", headers=bearer(token)).json()
        assert result["source"]["has_timestamps"] is True
