"""Tables as downloads from the pages (CSV or JSON, ``Content-Disposition: attachment``), and
a refused use case as the HTML error page of its status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.responses import Response

from app.analysis.export.tables import Table
from app.http.errors import status_of
from app.http.files import attachment
from app.service.errors import ServiceError
from app.service.tables import table_file
from app.web.access import PageError


def page_refusal(error: ServiceError) -> PageError:
    """A refused use case as the HTML error page of its status."""
    message = error.message[:1].upper() + error.message[1:]
    return PageError(status_of(error), f"{message}.")


@contextmanager
def refusals_as_pages() -> Iterator[None]:
    """Inside it, a refused use case becomes the HTML error page of its status."""
    try:
        yield
    except ServiceError as exc:
        raise page_refusal(exc) from None


def download(table: Table, fmt: str, stem: str) -> Response:
    """``table`` as ``fmt`` (csv or json; another is a 404 page) named ``stem.fmt``."""
    with refusals_as_pages():
        return attachment(table_file(table, fmt, stem))
