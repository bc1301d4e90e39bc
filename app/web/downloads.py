"""Tables as downloads from the pages (CSV or JSON, ``Content-Disposition: attachment``), and
a refused use case as the HTML error page of its status."""

from __future__ import annotations

from fastapi.responses import Response

from app.analysis.export.tables import Table
from app.http.errors import status_of
from app.service.errors import ServiceError
from app.service.tables import table_file
from app.web.access import PageError


def page_refusal(error: ServiceError) -> PageError:
    """A refused use case as the HTML error page of its status."""
    message = error.message[:1].upper() + error.message[1:]
    return PageError(status_of(error), f"{message}.")


def download(table: Table, fmt: str, stem: str) -> Response:
    """``table`` as ``fmt`` (csv or json; another is a 404 page) named ``stem.fmt``."""
    try:
        exported = table_file(table, fmt, stem)
    except ServiceError as exc:
        raise page_refusal(exc) from None
    disposition = f'attachment; filename="{exported.filename}"'
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": disposition},
    )
