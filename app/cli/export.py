"""``cvmreview export BOOT_ID FORMAT``: fetch a boot's export from a server (for CI jobs), and
the ``--export FORMAT=PATH`` option of ``analyze`` that writes the same formats offline.

Both take their formats from the engine's registry (``app.analysis.export.EXPORTS``), so the
names, bytes and file names are the ones the API serves.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import httpx

from app.analysis.document import ResultDocument
from app.analysis.export import EXPORT_NAMES, ExportFormat, UnknownExport, export_format
from app.cli import cli, fail

SERVER_HELP = "Server URL, e.g. http://host:8000."
TOKEN_HELP = "API token with the read scope."


class ExportTarget(click.ParamType):  # type: ignore[type-arg]
    """``FORMAT=PATH`` of ``analyze --export`` (``-`` as PATH for standard output)."""

    name = "format=path"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[ExportFormat, Path]:
        if isinstance(value, tuple):
            return value
        name, sep, path = str(value).partition("=")
        if not sep or not path:
            self.fail(f"{value!r} is not FORMAT=PATH (e.g. sarif=boot.sarif)", param, ctx)
        try:
            return export_format(name), Path(path)
        except UnknownExport as exc:
            self.fail(str(exc), param, ctx)


def write_output(content: bytes, target: Path) -> None:
    """Write ``content`` to ``target`` ('-': standard output); a one-line error otherwise."""
    if target == Path("-"):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    try:
        target.write_bytes(content)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror}")


def write_exports(document: ResultDocument, targets: tuple[tuple[ExportFormat, Path], ...]) -> None:
    for export, target in targets:
        write_output(export.render(document), target)


@cli.command("export")
@click.argument("boot_id", type=click.IntRange(min=1))
@click.argument("format_name", metavar="FORMAT", type=click.Choice(EXPORT_NAMES))
@click.option(
    "--server", required=True, envvar="CVMREVIEW_SERVER", show_envvar=True, help=SERVER_HELP
)
@click.option("--token", required=True, envvar="CVMREVIEW_TOKEN", show_envvar=True, help=TOKEN_HELP)
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True, dir_okay=False, path_type=Path),
    help="File to write (default: the server's file name, e.g. boot-12.sarif; '-' for stdout).",
)
def export_command(
    boot_id: int, format_name: str, server: str, token: str, output: Path | None
) -> None:
    """Download boot BOOT_ID's result as FORMAT (sarif, junit, chrome-trace, json,
    devices.csv, findings.csv).

    Exit status: 0 written, 2 when the server refuses (no such boot, no result yet) or cannot
    be reached.
    """
    url = f"{server.rstrip('/')}/api/v1/boots/{boot_id}/export/{format_name}"
    try:
        response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
    except httpx.HTTPError as exc:
        fail(f"cannot reach the server: {exc}")
    if response.status_code != 200:
        fail(f"HTTP {response.status_code}: {_detail(response)}")
    target = output or Path(export_format(format_name).filename(f"boot-{boot_id}"))
    write_output(response.content, target)
    if target != Path("-"):
        click.echo(f"wrote {target} ({len(response.content):,} bytes)", err=True)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text.strip()[:200]
