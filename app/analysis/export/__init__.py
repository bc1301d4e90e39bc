"""Exports: the result document in the formats other tools open (SARIF, JUnit, Chrome trace,
CSV, JSON).

Each export is a pure function of a ``ResultDocument`` (and the rule catalogue), so it lives in
the engine: the CLI's ``analyze --export`` runs it on a fresh document, the API on a stored one,
and both give the same bytes. Nothing here imports anything outside ``app.analysis``; the
adapters only add the transport (a file, an HTTP response with ``media_type`` and
``filename``).

``EXPORTS`` is the registry: one ``ExportFormat`` per name, declared once, so the API's 404,
the CLI's choices and the README list the same names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.analysis.document import ResultDocument
from app.analysis.export import chrome_trace, junit, sarif, tables


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export: its name (the URL and CLI word), what it is, and how it is rendered."""

    name: str
    media_type: str
    suffix: str  # appended to a stem such as ``boot-12``
    description: str
    render: Callable[[ResultDocument], bytes]

    def filename(self, stem: str) -> str:
        return f"{stem}{self.suffix}"


def _json(document: ResultDocument) -> bytes:
    return tables.json_bytes(document.to_dict())


EXPORTS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "sarif",
        "application/sarif+json",
        ".sarif",
        "SARIF 2.1.0 (GitHub code scanning)",
        sarif.render,
    ),
    ExportFormat(
        "junit",
        "application/xml",
        ".junit.xml",
        "JUnit XML, one test case per rule (GitLab, Jenkins)",
        junit.render,
    ),
    ExportFormat(
        "chrome-trace",
        "application/json",
        ".trace.json",
        "Chrome trace-event JSON of phases, mappings and shared pages (Perfetto)",
        chrome_trace.render,
    ),
    ExportFormat("json", "application/json", ".json", "the result document", _json),
    ExportFormat(
        "devices.csv",
        "text/csv; charset=utf-8",
        ".devices.csv",
        "per-device DMA statistics",
        tables.devices_csv,
    ),
    ExportFormat(
        "findings.csv",
        "text/csv; charset=utf-8",
        ".findings.csv",
        "findings, worst first",
        tables.findings_csv,
    ),
)
EXPORTS_BY_NAME: dict[str, ExportFormat] = {export.name: export for export in EXPORTS}
EXPORT_NAMES: tuple[str, ...] = tuple(EXPORTS_BY_NAME)


class UnknownExport(ValueError):
    """A format name that ``EXPORTS`` does not have; the message lists the ones it has."""


def export_format(name: str) -> ExportFormat:
    """The format called ``name``; ``UnknownExport`` naming the choices otherwise."""
    try:
        return EXPORTS_BY_NAME[name]
    except KeyError:
        choices = ", ".join(EXPORT_NAMES)
        raise UnknownExport(f"unknown export format {name!r} (choose from {choices})") from None


__all__ = ["EXPORTS", "EXPORT_NAMES", "ExportFormat", "UnknownExport", "export_format"]
