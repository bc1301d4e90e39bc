"""``cvmreview firmware IMAGE [IMAGE_B] [--json FILE]``: firmware tables, or a comparison.

Each IMAGE is an OVMF/TDVF flash image (``OVMF.fd``, ``OVMF_CODE*.fd``) or a firmware-metadata
JSON document. Exit status: 0 when every input was read (diagnostics, even errors, are printed
with the tables); 2 when an input is unusable - missing, a directory, empty, JSON that is not our
schema, or bytes without any firmware table (a variable store, not an OVMF image). An unusable
image still gets its diagnostics printed (and written with --json) before the one-line error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.analysis.errors import FirmwareError
from app.analysis.firmware import (
    FirmwareComparison,
    FirmwareReport,
    compare_firmware,
    load_firmware,
)
from app.analysis.firmware.descriptions import describe_attributes, describe_entry
from app.cli import cli, fail

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


class Unusable(Exception):
    """An input the command cannot work with; the message is one line for stderr."""


@cli.command("firmware")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json",
    "json_out",
    type=click.Path(allow_dash=True, path_type=Path),
    help="Write the report (or, for two images, both reports and the comparison) as JSON to "
    "FILE ('-' for standard output).",
)
def firmware_command(images: tuple[Path, ...], json_out: Path | None) -> None:
    """Print the firmware metadata of IMAGE, or compare two images.

    IMAGE is a flash image (OVMF.fd, OVMF_CODE*.fd) or a firmware-metadata JSON document (as
    written by --json). Exit status: 0 when every input was read, 2 when one is unusable.
    """
    err = Console(stderr=True)
    out = Console(stderr=json_out == Path("-"))
    if len(images) > 2:
        raise click.UsageError("give one IMAGE to read, or two to compare")
    try:
        reports = [_load(path) for path in images]
    except Unusable as exc:
        fail(str(exc))
    if len(reports) == 1:
        print_report(reports[0], out)
        document: dict[str, Any] = reports[0].to_dict()
    else:
        comparison = compare_firmware(reports[0], reports[1])
        print_comparison(comparison, out)
        document = {
            "a": reports[0].to_dict(),
            "b": reports[1].to_dict(),
            "comparison": comparison.to_dict(),
        }
    if json_out is not None:
        _write_json(document, json_out, err)
    unusable = [r for r in reports if not r.usable]
    for report in unusable:
        err.print(
            f"[bold red]error:[/] {escape(report.identity.name)}: {escape(report.why_unusable)}",
            highlight=False,
            soft_wrap=True,
        )
    if unusable:
        sys.exit(2)


def _load(path: Path) -> FirmwareReport:
    if not path.exists():
        raise Unusable(f"{path}: no such file")
    if path.is_dir():
        raise Unusable(f"{path}: is a directory, not a firmware image")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unusable(f"cannot read {path}: {exc.strerror}") from None
    try:
        return load_firmware(data, name=path.name)
    except FirmwareError as exc:
        raise Unusable(str(exc)) from None


def _write_json(document: dict[str, Any], target: Path, err: Console) -> None:
    text = json.dumps(document, indent=2)
    if target == Path("-"):
        sys.stdout.write(text + "\n")
        return
    try:
        target.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror}")


# --- rendering ---------------------------------------------------------------------------------


def print_report(report: FirmwareReport, console: Console) -> None:
    identity = _identity_table(report)
    _fold(identity)
    console.print(identity)
    for table in (_footer_table(report), _sev_table(report), _tdx_table(report)):
        if table is not None:
            _print_titled(table, console)
    labels = report.memfd_labels()
    if labels:
        table = Table("start", "end", "state", "label", title="Ranges the firmware names")
        for r in labels:
            table.add_row(f"{r.start:#x}", f"{r.end:#x}", r.state.value, escape(r.label))
        _print_titled(table, console)
    diagnostics = _diagnostics_table(report)
    if isinstance(diagnostics, Table):
        _print_titled(diagnostics, console)
    else:
        console.print()
        console.print(diagnostics)


def _identity_table(report: FirmwareReport) -> Table:
    ident = report.identity
    table = Table(show_header=False, title=escape(f"Firmware {ident.name}"), title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    size = f"{ident.size} bytes ({ident.size:#x})"
    if ident.size_label:
        size += f", {ident.size_label}"
    rows = [
        ("source", report.source),
        ("size", size),
        ("layout", ident.layout),
        ("sha256", ident.sha256 or "-"),
        ("sha384", ident.sha384 or "-"),
        ("flavour", f"{report.flavour.value}: {report.flavour_reason}"),
        ("can boot", ", ".join(report.platforms) or "no confidential platform"),
    ]
    rows.extend(("note", note) for note in report.platform_notes)
    for key, value in rows:
        table.add_row(key, escape(value))
    return table


def _print_titled(table: Table, console: Console) -> None:
    """Long titles as a heading line of their own: a narrow table would wrap them."""
    title, table.title = table.title, None
    _fold(table)
    console.print()
    console.print(f"[bold]{escape(str(title))}[/]", soft_wrap=True)
    console.print(table)


def _fold(table: Table) -> None:
    """Wrap long cells (GUIDs, hashes) instead of cutting them with an ellipsis."""
    for column in table.columns:
        column.overflow = "fold"


def _footer_table(report: FirmwareReport) -> Table | None:
    footer = report.footer
    if footer is None:
        return None
    where = f" at offset {footer.offset:#x}" if footer.offset is not None else ""
    table = Table(
        "#",
        "entry",
        "GUID",
        "length",
        "offset",
        "payload",
        "meaning",
        title=f"Footer table: {footer.length} bytes{where}, {len(footer.entries)} entries "
        "(walking order, from the end)",
        title_justify="left",
    )
    for index, e in enumerate(footer.entries, 1):
        offset = f"{e.offset:#x}" if e.offset is not None else "-"
        name = e.name if e.known else "[yellow]unknown[/]"
        payload = e.payload.hex() if len(e.payload) <= 16 else e.payload[:16].hex() + "..."
        table.add_row(
            str(index), name, str(e.guid), str(e.length), offset, payload, escape(describe_entry(e))
        )
    return table


def _sev_table(report: FirmwareReport) -> Table | None:
    sev = report.sev
    if sev is None:
        return None
    table = Table(
        "base",
        "size",
        "end",
        "type",
        title=f"SEV metadata (ASEV): version {sev.version}, length {sev.length}, "
        f"{len(sev.sections)} sections",
        title_justify="left",
    )
    for s in sev.sections:
        table.add_row(f"{s.base:#x}", f"{s.size:#x}", f"{s.end:#x}", f"{s.type} {s.type_name}")
    return table


def _tdx_table(report: FirmwareReport) -> Table | None:
    tdx = report.tdx
    if tdx is None:
        return None
    title = (
        f"TDX metadata (TDVF): version {tdx.version}, length {tdx.length}, "
        f"{len(tdx.sections)} sections"
    )
    if tdx.split_offset:
        title += (
            f"; code-only image: data offsets count from the unified image, whose first "
            f"{tdx.split_offset:#x} bytes are the separate variable store"
        )
    table = Table(
        "data offset",
        "raw size",
        "memory address",
        "memory size",
        "type",
        "attributes",
        title=title,
        title_justify="left",
    )
    for s in tdx.sections:
        table.add_row(
            f"{s.data_offset:#x}",
            f"{s.raw_size:#x}",
            f"{s.memory_address:#x}",
            f"{s.memory_size:#x}",
            f"{s.type} {s.type_name}",
            describe_attributes(s.attributes),
        )
    return table


def _diagnostics_table(report: FirmwareReport) -> Table | str:
    if not report.diagnostics:
        return "[green]No diagnostics: every table read cleanly.[/]"
    table = Table(
        "severity", "code", "offset", "message", title="Diagnostics", title_justify="left"
    )
    for d in report.diagnostics:
        style = SEVERITY_STYLE.get(d.severity.value, "")
        offset = f"{d.offset:#x}" if d.offset is not None else "-"
        table.add_row(f"[{style}]{d.severity.value}[/]", d.code, offset, escape(d.message))
    return table


def print_comparison(comparison: FirmwareComparison, console: Console) -> None:
    if comparison.identical:
        console.print(escape(f"{comparison.a} and {comparison.b}: identical metadata and hashes"))
        return
    table = Table(
        "area",
        "change",
        "what",
        escape(comparison.a),
        escape(comparison.b),
        title=f"Firmware comparison: {comparison.a} -> {comparison.b}, "
        f"{len(comparison.changes)} differences",
    )
    for c in comparison.changes:
        table.add_row(
            c.area, c.kind, escape(c.key), escape(_brief(c.before)), escape(_brief(c.after))
        )
    _print_titled(table, console)


def _brief(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_hexish(v)}" for k, v in value.items())
    return _hexish(value)


def _hexish(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0x1000:
        return f"{value:#x}"
    if isinstance(value, dict):
        return "{" + _brief(value) + "}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)
