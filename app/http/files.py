"""A file (an export, a table) as an HTTP download, the same from the API and the pages."""

from __future__ import annotations

from fastapi.responses import Response

from app.service.exports import ExportFile


def attachment(exported: ExportFile) -> Response:
    """``Content-Disposition: attachment`` with the file's name and media type."""
    disposition = f'attachment; filename="{exported.filename}"'
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": disposition},
    )
