"""The stored log beyond line ranges: text search with bounded cost, and the whole log as a
gzip download streamed from the stored chunks (``results.read_log`` serves line ranges)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.deps import ReadableBoot
from app.api.schemas import LogSearchHitPublic, LogSearchPublic
from app.db.blobs import gzip_size, iter_blob_gzip
from app.db.session import Database
from app.http.deps import DbDep, SessionDep, SettingsDep
from app.http.params import MAX_INT32
from app.service.logsearch import DEFAULT_HITS, MAX_HITS, MAX_QUERY_CHARS, SearchQuery, search_log

router = APIRouter(prefix="/boots/{boot_id}", tags=["results"])

GZIP_TYPE = "application/gzip"  # RFC 6713


@router.get("/log/search", response_model=LogSearchPublic)
def search(
    boot: ReadableBoot,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="text to find")],
    ignore_case: Annotated[bool, Query(description="ASCII case-insensitive")] = True,
    start: Annotated[int, Query(ge=1, le=MAX_INT32, description="first line searched")] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_HITS, description="most hits returned")] = (
        DEFAULT_HITS
    ),
) -> LogSearchPublic:
    """Lines of the log holding ``q`` (plain text, not a pattern), from line ``start`` on. A
    search stops after ``limit`` hits or ``max_log_search_bytes`` bytes read: ``capped`` says
    there may be more, ``next_line`` where to go on (``start=next_line``)."""
    query = SearchQuery(q, ignore_case=ignore_case, start=start, max_hits=limit)
    found = search_log(session, boot, query, max_bytes=settings.max_log_search_bytes)
    return LogSearchPublic(
        boot_id=boot.id,
        q=q,
        ignore_case=ignore_case,
        start=start,
        hits=[LogSearchHitPublic(line=h.line, text=h.text) for h in found.hits],
        count=len(found.hits),
        capped=found.capped,
        stopped=found.stopped,
        next_line=found.next_line,
        bytes_scanned=found.bytes_scanned,
        total_lines=boot.log_lines,
    )


@router.get(
    "/log.gz",
    response_class=StreamingResponse,
    responses={200: {"content": {GZIP_TYPE: {}}, "description": "the whole log, gzip"}},
)
def download_log(boot: ReadableBoot, db: DbDep) -> StreamingResponse:
    """The whole log as uploaded (decompressed if it was gzip), as one gzip file: the stored
    chunks streamed as they are (a multi-member gzip file), nothing held in memory."""
    sha256 = boot.log_sha256
    with db.read() as session:
        size = gzip_size(session, sha256)
    headers = {
        "Content-Disposition": f'attachment; filename="boot-{boot.id}.log.gz"',
        "Content-Length": str(size),
    }
    return StreamingResponse(_stream(db, sha256), media_type=GZIP_TYPE, headers=headers)


def _stream(db: Database, sha256: str) -> Iterator[bytes]:
    """The gzip members, read in a session of the stream's own (the request's session is
    closed before the body is sent)."""
    with db.read() as session:
        yield from iter_blob_gzip(session, sha256)
