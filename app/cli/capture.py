"""``cvmreview capture -- QEMU-COMMAND ...``: run QEMU, record one stamped capture of its debug
console, trace output and serial console (``app.service.capture``), and optionally upload it
and print the verdict (``cvmreview upload``'s code).

Exit status: QEMU's own when it ended by itself (0 when stopped with Ctrl-C), 2 when the
capture could not run; with ``--server`` that of the upload (1 at ``--fail-on``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from app.cli import cli, fail
from app.cli.upload import SEVERITIES, upload
from app.service.capture import Capture, CaptureError, Progress


@cli.command(
    "capture", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("capture.log.gz"),
    show_default=True,
    help="The capture file (gzip when it ends in .gz).",
)
@click.option(
    "--trace",
    "extra_events",
    multiple=True,
    help="More QEMU trace events (patterns) to record, e.g. 'fw_cfg_*'.",
)
@click.option("--server", envvar="CVMREVIEW_SERVER", help="Upload the capture to this server.")
@click.option("--token", envvar="CVMREVIEW_TOKEN", help="API token (upload,read).")
@click.option("--project", help="Defaults to the token's project.")
@click.option("--name", help="Display name of the boot (default: the file name).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 at this severity or worse.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@click.pass_context
def capture(
    ctx: click.Context,
    output: Path,
    extra_events: tuple[str, ...],
    server: str | None,
    token: str | None,
    project: str | None,
    name: str | None,
    fail_on: str | None,
    command: tuple[str, ...],
) -> None:
    """Run QEMU-COMMAND and record a capture the engine reads (debug console on 0x402, the
    host-view trace events, the serial console), each line stamped on arrival."""
    if server and not token:
        fail("--server needs --token (or CVMREVIEW_TOKEN)")
    console = Console(stderr=True)
    try:
        job = Capture(command, output, extra_events=extra_events, on_progress=_printer(console))
        console.print(f"capturing to {output}: {' '.join(job.command)}", highlight=False)
        result = job.run()
    except CaptureError as exc:
        fail(str(exc))
    ended = "stopped" if result.stopped else f"QEMU exited with status {result.exit_code}"
    console.print(
        f"{ended}; {result.lines:,} lines, {result.bytes:,} bytes in {result.elapsed:.1f} s "
        f"written to {result.path}",
        highlight=False,
    )
    if server and token:
        ctx.invoke(
            upload,
            log=result.path,
            firmware=None,
            firmware_metadata=None,
            server=server,
            token=token,
            wait=True,
            timeout=900.0,
            fail_on=fail_on,
            project=project,
            name=name,
            branch=None,
            commit=None,
            ci_url=None,
            tags=None,
            origin_id=None,
        )
        return
    sys.exit(0 if result.stopped or result.exit_code is None else max(0, result.exit_code))


def _printer(console: Console) -> Callable[[Progress], None] | None:
    """Progress on one terminal line (nothing when stderr is not a terminal)."""
    if not console.is_terminal:
        return None

    def show(progress: Progress) -> None:
        console.print(
            f"\r{progress.lines:,} lines, {progress.bytes:,} bytes, {progress.elapsed:.1f} s",
            end="",
            highlight=False,
        )

    return show
