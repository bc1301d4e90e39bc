"""The three fuzz targets: bytes in, the engine's promises checked, nothing returned.

Each target is a plain function of one input, so the atheris harness, the regression tests and
the hypothesis tests share one definition of a crash: any exception other than the one the
engine documents for that kind of input, or a broken invariant (an ``AssertionError``).

- ``scanner``: the whole engine on a log. Only ``InputError`` may escape (an empty log, a
  corrupt gzip stream); the document must be JSON-ready and consistent with itself.
- ``firmware``: the flash-image reader. It never raises on content (only on empty input);
  every problem is a catalogued diagnostic inside the image, and the report's metadata
  document loads back to the same diagnostics.
- ``metadata``: the metadata JSON reader. Only ``FirmwareError`` may escape; whatever loads
  behaves like a report read from an image.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from app.analysis.errors import FirmwareError, InputError
from app.analysis.firmware import (
    FirmwareReport,
    compare_firmware,
    load_metadata_json,
    read_firmware,
)
from app.analysis.firmware.diagnostics import CODES
from app.analysis.report import analyze


def engine_document(data: bytes) -> dict[str, Any]:
    """The engine's result document for a log, as plain data.

    The one place the fuzz code calls the engine: ``analyze`` returns a dict today and may
    return a typed document with ``to_dict()`` later; both are accepted here.
    """
    result: Any = analyze(io.BytesIO(data), name="fuzz.log")
    to_dict = getattr(result, "to_dict", None)
    document = to_dict() if callable(to_dict) else result
    assert isinstance(document, dict), type(document)
    return document


def check_document(document: dict[str, Any]) -> None:
    """Findings point at real lines, counts add up, and the document is JSON."""
    total = document["source"]["lines"]
    counts = document["verdict"]["counts"]
    for finding in document["findings"]:
        assert all(1 <= line <= total for line in finding["lines"]), finding["id"]
        assert finding["count"] >= 1 and finding["severity"] in counts, finding["id"]
    assert sum(counts.values()) == len(document["findings"])
    assert document["recognised_lines"] + document["blank_lines"] <= total
    json.dumps(document, allow_nan=False)


def check_report(report: FirmwareReport, *, from_image: bool) -> None:
    """A metadata document that loads back with the same diagnostics. A report read
    ``from_image`` also has tables or diagnostics saying why not, uses only catalogued codes
    and points only at bytes of the image; a document may carry another version's codes, say
    anything about its image, and hold no tables without a reason (its author's choice)."""
    if from_image:
        assert report.usable or report.diagnostics
        for diagnostic in report.diagnostics:
            assert diagnostic.code in CODES and diagnostic.message, diagnostic
            assert diagnostic.offset is None or 0 <= diagnostic.offset < report.identity.size
    document = report.to_dict()
    again = load_metadata_json(json.dumps(document, allow_nan=False), name="again.json")
    assert again.to_dict()["diagnostics"] == document["diagnostics"]
    report.seed_ranges()
    report.memfd_labels()
    compare_firmware(report, again)


def scanner(data: bytes) -> None:
    try:
        document = engine_document(data)
    except InputError:
        return
    check_document(document)


def firmware(data: bytes) -> None:
    try:
        report = read_firmware(data, name="fuzz.fd")
    except FirmwareError:
        assert not data, "only empty input may raise"
        return
    check_report(report, from_image=True)


def metadata(data: bytes) -> None:
    try:
        report = load_metadata_json(data, name="fuzz.json")
    except FirmwareError:
        return
    check_report(report, from_image=False)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "scanner": scanner,
    "firmware": firmware,
    "metadata": metadata,
}
