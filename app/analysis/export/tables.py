"""The flat exports: the result document as JSON, and its devices and findings as CSV.

CSV is for spreadsheets and ``pandas.read_csv``: one header row, one row per device or finding,
numbers as plain integers (no thousands separators), lists joined with spaces and small maps as
``name=value`` pairs joined with ``;`` so that every cell is one scalar.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from app.analysis.document import Device, Finding, ResultDocument

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


def json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2).encode() + b"\n"


def devices_csv(document: ResultDocument) -> bytes:
    return _csv(DEVICE_COLUMNS, (_device_row(d) for d in document.devices))


def findings_csv(document: ResultDocument) -> bytes:
    return _csv(FINDING_COLUMNS, (_finding_row(f) for f in document.findings))


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return out.getvalue().encode()


def _device_row(device: Device) -> tuple[object, ...]:
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


def _finding_row(finding: Finding) -> tuple[object, ...]:
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
