"""The tables the pages show, as data both the pages and the CSV/JSON downloads use.

The engine declares the tables of a result document (``app.analysis.export.tables``: devices,
findings, the mappings of a device); this module adds the one table that is not in a document
(the boots list) and the device view: one device's statistics, its kept mappings and how it
was attributed, explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.analysis.document import Device, Lifetime, ResultDocument
from app.analysis.export.tables import (
    TABLE_FORMATS,
    TABLE_MEDIA_TYPES,
    Table,
    device_lifetimes,
    devices_table,
    findings_table,
    mappings_table,
)
from app.analysis.simulator.attribution import METHODS
from app.db.models import Boot
from app.service.errors import NotFound
from app.service.exports import ExportFile

BOOT_COLUMNS = (
    "id",
    "name",
    "project",
    "branch",
    "commit",
    "platform",
    "status",
    "worst_severity",
    "synthesized",
    "log_lines",
    "log_bytes",
    "created_at",
)
BOOT_TABLES = ("devices", "findings")


def table_file(table: Table, fmt: str, stem: str) -> ExportFile:
    """``table`` as a download: ``NotFound`` for a format other than csv or json."""
    if fmt not in TABLE_FORMATS:
        raise NotFound(f"no table format {fmt!r}: use one of {', '.join(TABLE_FORMATS)}")
    return ExportFile(table.render(fmt), TABLE_MEDIA_TYPES[fmt], f"{stem}.{fmt}")


def boot_table(document: ResultDocument, name: str) -> Table:
    """A table of the boot page by name (``devices`` or ``findings``)."""
    if name == "devices":
        return devices_table(document)
    if name == "findings":
        return findings_table(document)
    raise NotFound(f"no table {name!r}: use one of {', '.join(BOOT_TABLES)}")


def boots_table(boots: Sequence[Boot]) -> Table:
    rows = tuple(
        (
            b.id,
            b.name,
            b.project.name,
            b.branch,
            b.commit,
            b.platform,
            b.status,
            b.worst_severity,
            b.synthesized,
            b.log_lines,
            b.log_bytes,
            b.created_at.isoformat(),
        )
        for b in boots
    )
    return Table("boots", BOOT_COLUMNS, rows)


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One device of a boot: its statistics, its mappings the result keeps, and why the maps
    were attributed to it."""

    device: Device
    mappings: tuple[Lifetime, ...]
    table: Table  # the same mappings as export rows
    method_explained: str
    methods_explained: tuple[tuple[str, int, str], ...]  # (method, maps, explanation)
    kept_total: int  # mappings of every device the result keeps (long-lived + sample)
    lifetimes_total: int  # mappings the boot made in all


def device_view(document: ResultDocument, name: str) -> DeviceView:
    """``NotFound`` when the boot has no such device."""
    device = next((d for d in document.devices if d.device == name), None)
    if device is None:
        raise NotFound(f"the boot has no device {name!r}")
    method = device.attribution.method
    kept = document.timeline.lifetimes
    return DeviceView(
        device=device,
        mappings=tuple(device_lifetimes(document, name)),
        table=mappings_table(document, name),
        method_explained=METHODS.get(method, ""),
        methods_explained=tuple(
            (m, n, METHODS.get(m, "")) for m, n in sorted(device.attribution.methods.items())
        ),
        kept_total=len(kept.long_lived) + len(kept.sampled),
        lifetimes_total=kept.total,
    )
