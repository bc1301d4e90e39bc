"""Text search over a boot's stored log: plain substring, optionally ignoring (ASCII) case.

A log can hold millions of lines, so one search is bounded twice: it stops after ``max_hits``
matching lines and after ``max_bytes`` bytes read, and says where it stopped (``next_line``)
so the caller can go on from there. The stored log is streamed block by block
(``iter_blob_blocks``) and each block is searched with ``bytes.find``, so no line of the log
becomes a Python object unless it matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from app.db.blobs import iter_blob_blocks
from app.db.models import Boot
from app.service.errors import Invalid

MAX_QUERY_CHARS = 200
MAX_HITS = 1000  # matching lines one request returns at most
DEFAULT_HITS = 200
SNIPPET_CHARS = 300  # text shown of a matching line
SEARCH_LINE_BYTES = 64 * 1024  # a longer line is searched in its first this many bytes

Stop = Literal["end", "hits", "bytes"]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    ignore_case: bool = True
    start: int = 1  # first line searched
    max_hits: int = DEFAULT_HITS

    @property
    def needle(self) -> bytes:
        raw = self.text.encode("utf-8")
        return raw.lower() if self.ignore_case else raw


@dataclass(frozen=True, slots=True)
class Hit:
    line: int
    text: str  # the line (cut to SNIPPET_CHARS)


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: SearchQuery
    hits: tuple[Hit, ...]
    stopped: Stop  # why it stopped: the end of the log, the hit cap or the byte cap
    next_line: int | None  # where to go on searching (None at the end of the log)
    bytes_scanned: int

    @property
    def capped(self) -> bool:
        """True when there may be more hits than those returned."""
        return self.stopped != "end"


def check_query(text: str, start: int, total_lines: int) -> None:
    """``Invalid`` (a 422) for what no search can answer: an empty or overlong query, a start
    beyond the log."""
    if not text.strip():
        raise Invalid("the search text is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise Invalid(f"the search text is longer than {MAX_QUERY_CHARS} characters")
    if "\n" in text or "\r" in text:
        raise Invalid("the search text holds a line break: lines are searched one at a time")
    if start > max(total_lines, 1):
        raise Invalid(f"line {start:,} is beyond the end of the log ({total_lines:,} lines)")


def search_log(session: Session, boot: Boot, query: SearchQuery, *, max_bytes: int) -> SearchResult:
    """The lines of the boot's log from ``query.start`` on that hold ``query.text``."""
    check_query(query.text, query.start, boot.log_lines)
    blocks = iter_blob_blocks(
        session, boot.log_sha256, query.start, max_line_bytes=SEARCH_LINE_BYTES
    )
    return search_blocks(blocks, query, max_bytes=max_bytes)


def search_blocks(
    blocks: Iterable[tuple[int, bytes]], query: SearchQuery, *, max_bytes: int
) -> SearchResult:
    """Search line-aligned blocks; stops at a block boundary when ``max_bytes`` were read, or
    at the line after the ``max_hits``-th hit."""
    hits: list[Hit] = []
    scanned = 0
    for first, block in blocks:
        for hit in _block_hits(first, block, query):
            hits.append(hit)
            if len(hits) >= query.max_hits:
                return SearchResult(query, tuple(hits), "hits", hit.line + 1, scanned)
        scanned += len(block)
        if scanned >= max_bytes:
            next_line = first + block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            return SearchResult(query, tuple(hits), "bytes", next_line, scanned)
    return SearchResult(query, tuple(hits), "end", None, scanned)


def _block_hits(first: int, block: bytes, query: SearchQuery) -> Iterator[Hit]:
    """Each matching line of ``block`` once, in order."""
    needle = query.needle
    haystack = block.lower() if query.ignore_case else block
    line, counted = first, 0
    found = haystack.find(needle)
    while found >= 0:
        line += block.count(b"\n", counted, found)
        begin = block.rfind(b"\n", 0, found) + 1
        end = block.find(b"\n", found)
        end = len(block) if end < 0 else end
        text = block[begin:end].rstrip(b"\r").decode("utf-8", "replace")
        yield Hit(line, text[:SNIPPET_CHARS])
        counted = end
        found = haystack.find(needle, end + 1)
