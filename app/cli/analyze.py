"""``cvmreview analyze LOG``: the engine offline, for a terminal or a CI job."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from app.analysis.document import ResultDocument
from app.analysis.errors import AnalysisError
from app.analysis.export import ExportFormat
from app.analysis.model import Severity
from app.analysis.report import analyze_file, fails
from app.cli import cli, fail
from app.cli.export import ExportTarget, write_exports
from app.cli.summary import print_summary
from app.cli.tables import format_option, log_safe

PROGRESS_THRESHOLD = 16 << 20  # show a progress bar for logs larger than this


class SeverityType(click.ParamType):  # type: ignore[type-arg]
    name = "severity"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return Severity.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@cli.command("analyze")
@click.argument("log", type=click.Path(path_type=Path))
@click.option(
    "--firmware",
    "firmware",
    type=click.Path(path_type=Path),
    help="Firmware image (OVMF*.fd) or firmware-metadata JSON that ran the boot.",
)
@click.option(
    "--host-trace",
    "host_trace",
    type=click.Path(path_type=Path),
    help="QEMU trace output (-trace with the log backend, -D FILE) captured apart from the log.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(allow_dash=True, path_type=Path),
    help="Write the result document as JSON to FILE ('-' for standard output).",
)
@click.option(
    "--fail-on",
    type=SeverityType(),
    default=None,
    help="Exit with status 1 when a finding of this severity or worse exists "
    "(info, low, medium, high, critical).",
)
@click.option(
    "--export",
    "exports",
    type=ExportTarget(),
    multiple=True,
    help="Also write an export, FORMAT=PATH (repeatable; formats: "
    "sarif, junit, chrome-trace, json, devices.csv, findings.csv).",
)
@format_option("the summary (text) or the result document (json)")
@click.option("--quiet", "-q", is_flag=True, help="Print no summary (useful with --json -).")
def analyze_command(
    log: Path,
    firmware: Path | None,
    host_trace: Path | None,
    json_out: Path | None,
    fail_on: Severity | None,
    quiet: bool,
    exports: tuple[tuple[ExportFormat, Path], ...],
    output_format: str,
) -> None:
    """Analyse a boot LOG (plain or .gz) and print a summary.

    Exit status: 0 when the boot passes, 1 when --fail-on is met, 2 when the input is unusable.
    """
    err = Console(stderr=True)
    to_stdout = json_out == Path("-") or output_format == "json"
    out = log_safe(Console(stderr=to_stdout))
    try:
        document = _run(log, firmware, host_trace, err)
    except AnalysisError as exc:
        fail(str(exc))
    if json_out is not None:
        _write_json(document.to_dict(), json_out)
    write_exports(document, exports)
    if output_format == "json" and json_out != Path("-"):
        _write_json(document.to_dict(), Path("-"))
    if not quiet:
        print_summary(document, out)
    if fail_on is not None and fails(document, fail_on):
        sys.exit(1)


def _run(log: Path, firmware: Path | None, host_trace: Path | None, err: Console) -> ResultDocument:
    for path in (log, host_trace):
        if path is not None and not path.is_file():
            raise AnalysisError(
                f"{path}: no such file" if not path.exists() else f"{path}: not a file"
            )
    size = log.stat().st_size
    if size < PROGRESS_THRESHOLD or not err.is_terminal:
        return analyze_file(log, firmware_path=firmware, host_trace_path=host_trace)
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("analysing", total=size)
        return analyze_file(
            log,
            firmware_path=firmware,
            host_trace_path=host_trace,
            progress=lambda done: bar.update(task, completed=done),
        )


def _write_json(document: dict[str, Any], target: Path) -> None:
    text = json.dumps(document, indent=2, sort_keys=False)
    if target == Path("-"):
        sys.stdout.write(text + "\n")
        return
    try:
        target.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror}")
