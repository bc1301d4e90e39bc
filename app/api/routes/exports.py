"""``GET /boots/{id}/export/{format}``: the boot's result as a file other tools open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.analysis.export import EXPORTS
from app.api.deps import ReadableBoot
from app.http.deps import SessionDep
from app.http.files import attachment
from app.service.exports import export_boot

router = APIRouter(prefix="/boots/{boot_id}", tags=["exports"])

_FORMATS = ", ".join(f"`{e.name}` ({e.description})" for e in EXPORTS)


@router.get(
    "/export/{format_name}",
    response_class=Response,
    responses={
        200: {"content": {e.media_type: {} for e in EXPORTS}},
        404: {"description": "no such boot, or no such format (the detail lists the formats)"},
        409: {"description": "the boot has no current result yet"},
    },
)
def export_result(
    boot: ReadableBoot,
    session: SessionDep,
    format_name: Annotated[str, Path(description=f"one of {_FORMATS}")],
) -> Response:
    """The shown analysis of the boot as a download (``Content-Disposition: attachment``)."""
    return attachment(export_boot(session, boot, format_name))
