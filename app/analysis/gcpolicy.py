"""Fewer cyclic garbage collections while a log is analysed.

The engine allocates a few short-lived objects per line (the event, match groups, numbers) and
keeps a growing set of long-lived ones (live mappings, per-mapping records, timeline entries).
With CPython's default thresholds a young collection runs every 700 net allocations and every
tenth one also walks the middle generation; on a verbose log that is tens of thousands of
collections, which took a fifth to a third of the compiled engine's time on issue 14's worst
cases (``bench/bench_engine.py``). Reference counting frees nearly everything the engine drops
(it builds few reference cycles), so collecting every ``YOUNG`` allocations changes no result
and leaves memory where it was.

Thresholds are process-wide: the first analysis to start raises them, the last one to end
restores what was set before (analyses may run in several threads of one worker).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 50_000
MIDDLE = 20
OLD = 100

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's thresholds (never lower them) for the duration of an analysis."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            raised = (max(_saved[0], YOUNG), max(_saved[1], MIDDLE), max(_saved[2], OLD))
            gc.set_threshold(*raised)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
