"""A boot's result in an export format (SARIF, JUnit, Chrome trace, CSV, JSON) as a file.

The formats themselves are the engine's (``app.analysis.export``, pure functions of the
document); this use case only finds the stored document of the boot's shown run, refuses what
cannot be exported (no result yet, or one written by another engine shape), and names the file
after the boot, so the API and any other adapter give the same bytes and the same name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.analysis.document import ResultDocument, is_current
from app.analysis.export import UnknownExport, export_format
from app.db.models import Boot
from app.service.errors import Conflict, NotFound
from app.service.results import result_bytes


@dataclass(frozen=True, slots=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str


def export_boot(session: Session, boot: Boot, format_name: str) -> ExportFile:
    """``NotFound`` for a format that does not exist (checked first, so the answer does not
    depend on the boot's state), ``Conflict`` while the boot has no current result."""
    try:
        export = export_format(format_name)
    except UnknownExport as exc:
        raise NotFound(str(exc)) from None
    data = json.loads(result_bytes(session, boot))
    if not is_current(data):
        raise Conflict("the stored result was written by another engine version: re-analyse it")
    document = ResultDocument.from_dict(data)
    return ExportFile(
        export.render(document), export.media_type, export.filename(f"boot-{boot.id}")
    )
