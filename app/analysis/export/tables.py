"""The flat exports: the result document as JSON, and its tables (devices, findings, the
mappings of a device; the service adds the boots list) as CSV or JSON.

Each table is declared once, as a ``Table`` (columns and rows of scalars), and written either
way: CSV is for spreadsheets and ``pandas.read_csv`` (one header row, numbers as plain integers,
no thousands separators, lists joined with spaces and small maps as ``name=value`` pairs joined
with ``;`` so that every cell is one scalar); JSON is ``{"columns": [...], "rows": [{column:
value}, ...], "count": n}``, the same cells, as datasette's ``.json`` gives a table.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.analysis.document import Device, Finding, Lifetime, ResultDocument

Cell = str | int | float | bool | None

DEVICE_COLUMNS = (
    "device",
    "attribution",
    "attribution_line",
    "maps",
    "unmaps",
    "bytes",
    "pages",
    "bounce_bytes",
    "pool_maps",
    "legacy_maps",
    "transitions",
    "transition_pages",
    "peak_shared_pages",
    "shared_page_lines",
    "shared_page_seconds",
    "live_at_ebs",
    "first_line",
    "maps_by_operation",
)
FINDING_COLUMNS = (
    "id",
    "severity",
    "title",
    "key",
    "count",
    "first_line",
    "lines",
    "fingerprint",
    "rule_version",
)


MAPPING_COLUMNS = (
    "operation",
    "map_line",
    "unmap_line",
    "request_line",
    "lifetime_lines",
    "lifetime_seconds",
    "pages",
    "bytes",
    "path",
    "mapping",
)
PAGE_SIZE = 4096
TABLE_FORMATS = ("csv", "json")
TABLE_MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@dataclass(frozen=True, slots=True)
class Table:
    """A table as the pages show it and the exports write it: named columns, scalar cells."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def csv(self) -> bytes:
        return _csv(self.columns, self.rows)

    def records(self) -> list[dict[str, Cell]]:
        """The rows as ``{column: cell}``."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def json(self) -> bytes:
        rows = self.records()
        return json_bytes({"columns": list(self.columns), "rows": rows, "count": len(rows)})

    def render(self, fmt: str) -> bytes:
        """The table as ``fmt`` (one of ``TABLE_FORMATS``)."""
        return self.csv() if fmt == "csv" else self.json()


def json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2).encode() + b"\n"


def devices_table(document: ResultDocument) -> Table:
    rows = tuple(_device_row(d) for d in document.devices)
    return Table("devices", DEVICE_COLUMNS, rows)


def findings_table(document: ResultDocument) -> Table:
    rows = tuple(_finding_row(f) for f in document.findings)
    return Table("findings", FINDING_COLUMNS, rows)


def device_lifetimes(document: ResultDocument, device: str) -> list[Lifetime]:
    """The mappings of ``device`` the document keeps (the long-lived ones and a sample), in
    log order."""
    kept = document.timeline.lifetimes
    mine = [m for m in (*kept.long_lived, *kept.sampled) if m.device == device]
    return sorted(mine, key=lambda m: (m.start_line or 0, m.end_line or 0))


def mappings_table(document: ResultDocument, device: str) -> Table:
    rows = tuple(_mapping_row(m) for m in device_lifetimes(document, device))
    return Table("mappings", MAPPING_COLUMNS, rows)


def devices_csv(document: ResultDocument) -> bytes:
    return devices_table(document).csv()


def findings_csv(document: ResultDocument) -> bytes:
    return findings_table(document).csv()


def _csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return out.getvalue().encode()


def _mapping_row(m: Lifetime) -> tuple[Cell, ...]:
    lines = m.end_line - m.start_line if m.end_line and m.start_line else None
    seconds = (
        m.end_time - m.start_time if m.end_time is not None and m.start_time is not None else None
    )
    path = None if m.pool is None else ("pool" if m.pool else "legacy")
    return (
        m.operation,
        m.start_line,
        m.end_line,
        m.request_line,
        lines,
        None if seconds is None else round(seconds, 6),
        m.pages,
        m.pages * PAGE_SIZE,
        path,
        None if m.mapping is None else f"0x{m.mapping:x}",
    )


def _device_row(device: Device) -> tuple[Cell, ...]:
    operations = ";".join(f"{name}={n}" for name, n in sorted(device.maps_by_operation.items()))
    return (
        device.device,
        device.attribution.method,
        device.attribution.evidence_line,
        device.maps,
        device.unmaps,
        device.bytes,
        device.pages,
        device.bounce_bytes,
        device.pool_maps,
        device.legacy_maps,
        device.transitions,
        device.transition_pages,
        device.peak_shared_pages,
        device.shared_page_lines,
        device.shared_page_seconds,
        device.live_at_ebs,
        device.first_line,
        operations,
    )


def _finding_row(finding: Finding) -> tuple[Cell, ...]:
    return (
        finding.id,
        finding.severity,
        finding.title,
        finding.key,
        finding.count,
        finding.lines[0] if finding.lines else None,
        " ".join(str(line) for line in finding.lines),
        finding.fingerprint,
        finding.rule_version,
    )
