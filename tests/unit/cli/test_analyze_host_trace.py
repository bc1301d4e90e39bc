"""``cvmreview analyze --host-trace``: per-phase host totals in the summary, bad input."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from app.synth import lines


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["analyze", *args])
    return result.exit_code, result.stdout, result.stderr


def test_host_trace_totals_by_phase_are_printed(tmp_path: Path) -> None:
    log = tmp_path / "guest.log"
    log.write_text(
        "SecCoreStartupWithStack(0xFFFCC000, 0x820000)\n"
        + lines.set_page_state("IoMmuDxe", 0x7E000000, 0x7E002000, True)
        + "\n"
    )
    trace = tmp_path / "qemu-trace.log"
    trace.write_text(
        "77@1764599400.000000:kvm_sev_snp_launch_update src 0x7f0000000000 gpa 0xffc00000"
        " len 0x400000 (Normal page)\n"
        "77@1764599401.000000:kvm_convert_memory start 0x7e000000 size 0x2000 private_to_shared\n"
        "77@1764599402.000000:kvm_convert_memory start 0x9000000 size 0x1000 private_to_shared\n"
    )
    code, out, _ = run(str(log), "--host-trace", str(trace))
    assert code == 0
    out = " ".join(out.split())  # rich wraps at the terminal width
    assert "Host view (sev-snp, 3 trace lines): launch added 1,024 pages (1,024 measured)" in out
    assert "2 conversions to shared" in out
    assert "Host conversions by phase" in out and "run" in out
    # the unexplained second conversion comes after the last paired one: a separate trace
    # cannot place it in a firmware phase, so it is not reported
    assert "HOST-00" not in out


def test_a_missing_host_trace_is_one_line_and_exit_2(tmp_path: Path) -> None:
    log = tmp_path / "guest.log"
    log.write_text("SecCoreStartupWithStack(0xFFFCC000, 0x820000)\n")
    code, _, err = run(str(log), "--host-trace", str(tmp_path / "absent.log"))
    assert code == 2
    assert err.strip().endswith("absent.log: no such file")


def test_a_host_trace_without_trace_lines_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "guest.log"
    log.write_text("SecCoreStartupWithStack(0xFFFCC000, 0x820000)\n")
    trace = tmp_path / "trace.log"
    trace.write_text("hello\n")
    code, _, err = run(str(log), "--host-trace", str(trace))
    assert code == 2 and "no QEMU trace event lines" in err
