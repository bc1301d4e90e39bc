"""Result documents of boots, parsed once and kept in a small in-process cache.

A result blob is immutable (addressed by its sha256), so the cache needs no invalidation: a
re-analysis gives the boot another run and another blob. The documents are bounded by the
engine (timelines are downsampled there), so a few dozen of them fit in memory.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.orm import Session

from app.db import queries
from app.db.blobs import read_blob
from app.db.models import Boot
from app.service.errors import Conflict

CACHE_SIZE = 32
_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


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


def require_result(session: Session, boot: Boot) -> dict[str, Any]:
    """The parsed result document (cached); ``Conflict`` while there is none."""
    document = get_result(session, boot)
    if document is None:
        raise no_result(boot)
    return document


def get_result(session: Session, boot: Boot) -> dict[str, Any] | None:
    """The result document of the boot's shown run, or None while there is none."""
    sha = _result_sha(session, boot)
    if sha is None:
        return None
    with _lock:
        if sha in _cache:
            _cache.move_to_end(sha)
            return _cache[sha]
    document: dict[str, Any] = json.loads(read_blob(session, sha))
    with _lock:
        _cache[sha] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return document
