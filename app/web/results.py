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

CACHE_SIZE = 32
_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def get_result(session: Session, boot: Boot) -> dict[str, Any] | None:
    """The result document of the boot's shown run, or None while there is none."""
    if boot.result_run_id is None:
        return None
    run = queries.get_run(session, run_id=boot.result_run_id)
    if run is None or run.result_sha256 is None:
        return None
    sha = run.result_sha256
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
