"""Result documents of boots, parsed once into a ``ResultDocument`` and kept in a small cache.

A result blob is immutable (addressed by its sha256), so the cache needs no invalidation: a
re-analysis gives the boot another run and another blob. The documents are bounded by the
engine (timelines are downsampled there), so a few dozen parsed ones fit in memory; the
parsed object is what is cached, so a page view pays for neither ``json.loads`` nor
``from_dict``.

A stored document this engine cannot read (another schema or engine version, or one that does
not parse) is never shown as if it were current: loading it raises ``StaleResult``, which the
API answers as a 409 and the pages as "stale: re-analyse". ``prepare_database`` flags such
boots ``stale`` at start-up when their run's versions say so; one whose run claims to be current
but whose document does not parse is flagged when the boot page finds out (``flag_stale``), so
the list shows the badge and ``reanalyse-stale`` picks it up.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.analysis.document import (
    ENGINE_VERSION,
    SCHEMA_VERSION,
    DocumentError,
    Finding,
    ResultDocument,
    is_current,
)
from app.db import queries
from app.db.blobs import read_blob
from app.db.models import Boot
from app.db.session import Database
from app.service.errors import Conflict

CACHE_SIZE = 32
_cache: OrderedDict[str, ResultDocument] = OrderedDict()
_lock = threading.Lock()


class StaleResult(Conflict):
    """The stored result cannot be read as this engine's document: the boot needs re-analysis."""


def _result_sha(session: Session, boot: Boot) -> str | None:
    """The blob of the boot's shown run's result document (None while there is none)."""
    if boot.result_run_id is None:
        return None
    run = queries.get_run(session, run_id=boot.result_run_id)
    return None if run is None else run.result_sha256


def no_result(boot: Boot) -> Conflict:
    """Why a boot has no result to show: still queued or running, or failed (with why)."""
    if boot.status == "failed":
        return Conflict(f"the analysis failed: {boot.error}")
    return Conflict(f"no result yet: the analysis is {boot.status}")


def result_bytes(session: Session, boot: Boot) -> bytes:
    """The stored result document exactly as the engine wrote it; ``Conflict`` while none."""
    sha = _result_sha(session, boot)
    if sha is None:
        raise no_result(boot)
    return read_blob(session, sha)


def require_result(session: Session, boot: Boot) -> ResultDocument:
    """The parsed result document (cached); ``Conflict`` while there is none, ``StaleResult``
    when it cannot be read."""
    document = get_result(session, boot)
    if document is None:
        raise no_result(boot)
    return document


def shown_findings(session: Session, boot: Boot) -> tuple[Finding, ...]:
    """The findings to mark beside the raw log: none while there is no current result (the
    log of a boot still queued, failed or stale is shown all the same)."""
    try:
        document = get_result(session, boot)
    except StaleResult:
        return ()
    return () if document is None else document.findings


def get_result(session: Session, boot: Boot) -> ResultDocument | None:
    """The result document of the boot's shown run, or None while there is none;
    ``StaleResult`` when the stored one is not this engine's shape."""
    sha = _result_sha(session, boot)
    if sha is None:
        return None
    with _lock:
        if sha in _cache:
            _cache.move_to_end(sha)
            return _cache[sha]
    document = parse_result(read_blob(session, sha))
    with _lock:
        _cache[sha] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return document


def parse_result(raw: bytes) -> ResultDocument:
    """A stored document as a ``ResultDocument``; ``StaleResult`` (saying why) if it is not one."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise StaleResult(_stale("the stored result is not valid JSON")) from None
    if not isinstance(data, dict):
        raise StaleResult(_stale("the stored result is not a JSON object"))
    if not is_current(data):
        found = f"schema {data.get('schema_version')!r}, engine {data.get('engine_version')!r}"
        wanted = f"schema {SCHEMA_VERSION}, engine {ENGINE_VERSION!r}"
        raise StaleResult(_stale(f"the stored result is of {found}; this engine reads {wanted}"))
    try:
        return ResultDocument.from_dict(data)
    except DocumentError as exc:
        raise StaleResult(_stale(f"the stored result does not parse ({exc})")) from None


def _stale(why: str) -> str:
    return f"stale result: {why}; re-analyse the boot"


def flag_stale(db: Database, boot: Boot) -> None:
    """Record that the boot's shown result cannot be read (unless it was re-analysed since)."""
    with db.write() as session:
        session.execute(
            update(Boot)
            .where(
                Boot.id == boot.id,
                Boot.result_run_id == boot.result_run_id,
                Boot.stale.is_(False),
            )
            .values(stale=True)
            .execution_options(synchronize_session=False)
        )
