"""Content-addressed blob store inside the database: sha256 of the content, gzip at rest.

Uploads are *staged* first: read once as a stream, gunzipped if they are gzip (with limits on
size and expansion ratio, so a gzip bomb is refused before anything is stored), hashed,
line-counted and recompressed. Only a fully staged blob is written, in the same transaction as
the boot that uses it, and identical content is stored once (``INSERT ... ON CONFLICT DO
NOTHING`` keeps concurrent uploads of the same log from colliding).

The content is stored as independently gzipped chunks of about ``CHUNK_RAW`` bytes, each cut
after a newline, with the line number each chunk starts at (``blob_chunks``), so a line range
of a large log reads one or two chunks instead of the whole blob. Blobs stored before that
(compression "gzip") keep their whole gzip stream in ``blobs.data`` and stay readable.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.analysis.compression import GZIP_MAGIC, GzipCorrupt, GzipTooLarge, InflateLimits
from app.analysis.compression import gunzip as decompress
from app.db.models import Blob, BlobChunk

CHUNK = 1024 * 1024  # bytes read or decompressed at a time
HEAD = 64 * 1024  # first read of an upload (gzip or not), one inflate step
CHUNK_RAW = 1024 * 1024  # uncompressed size a stored chunk aims at (a longer line makes more)
RATIO_FLOOR = 1024 * 1024  # expansion ratio is only judged once this much came out
CHUNKED = "gzip-chunks"  # Blob.compression of chunked blobs; "gzip" is one stream in data


class BlobTooLarge(Exception):
    """The upload or its decompressed content is over a limit (HTTP 413)."""


class BlobRejected(Exception):
    """The upload cannot be stored as given: empty, corrupt gzip (HTTP 422)."""


@dataclass(frozen=True)
class StagedChunk:
    first_line: int  # 1-based number of the chunk's first line
    line_count: int
    raw_offset: int
    raw_size: int
    data: bytes  # one gzip member


@dataclass(frozen=True)
class StagedBlob:
    sha256: str
    size: int
    lines: int
    chunks: tuple[StagedChunk, ...]

    @property
    def compressed(self) -> bytes:
        """The whole content as one gzip file (concatenated members)."""
        return b"".join(chunk.data for chunk in self.chunks)

    @property
    def stored_size(self) -> int:
        return sum(len(chunk.data) for chunk in self.chunks)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_decompressed: int
    max_ratio: float


class _Stager:
    """Hash a stream of plain bytes and cut it into gzipped chunks at line boundaries."""

    def __init__(self, chunk_size: int = CHUNK_RAW) -> None:
        self.chunk_size = chunk_size
        self.digest = hashlib.sha256()
        self.size = 0
        self.pending = bytearray()
        self.no_newline_until = 0  # pending[chunk_size:this] is known to hold no newline
        self.chunks: list[StagedChunk] = []
        self.lines = 0
        self.emitted = 0

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.digest.update(data)
        self.size += len(data)
        self.pending += data
        while len(self.pending) >= self.chunk_size:
            cut = self._cut()
            if cut < 0:
                self.no_newline_until = len(self.pending)
                return
            self._emit(bytes(self.pending[:cut]))
            del self.pending[:cut]
            self.no_newline_until = 0

    def _cut(self) -> int:
        """Where the next chunk ends: after the last newline within ``chunk_size`` bytes, or
        after the first newline past it when one line is longer (-1: no newline yet)."""
        newline = self.pending.rfind(b"\n", 0, self.chunk_size)
        if newline < 0:
            start = max(self.chunk_size, self.no_newline_until)
            newline = self.pending.find(b"\n", start)
        return newline + 1 if newline >= 0 else -1

    def _emit(self, raw: bytes) -> None:
        lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        data = compressor.compress(raw) + compressor.flush()
        self.chunks.append(StagedChunk(self.lines + 1, lines, self.emitted, len(raw), data))
        self.lines += lines
        self.emitted += len(raw)

    def finish(self) -> StagedBlob:
        if self.pending:
            self._emit(bytes(self.pending))
            self.pending.clear()
        return StagedBlob(self.digest.hexdigest(), self.size, self.lines, tuple(self.chunks))


def stage_upload(
    stream: BinaryIO, *, limits: Limits, gunzip: bool = True, chunk_size: int = CHUNK_RAW
) -> StagedBlob:
    """Read ``stream`` fully under ``limits``; gzip input is decompressed when ``gunzip``, by
    the engine's own reader (what ``analyze`` accepts, the upload accepts), which checks the
    decompressed size and the ratio while inflating, in small steps."""
    stager = _Stager(chunk_size)
    raw = _CountingReader(stream, limits.max_bytes)
    first = raw.read(HEAD)  # small: the ratio is judged against what was read so far
    if gunzip and first[:2] == GZIP_MAGIC:
        inflate = InflateLimits(
            max_output=limits.max_decompressed, max_ratio=limits.max_ratio, ratio_floor=RATIO_FLOOR
        )
        try:
            for piece in decompress(raw.read, first, limits=inflate):
                stager.feed(piece)
        except GzipTooLarge as exc:
            raise BlobTooLarge(str(exc)) from None
        except GzipCorrupt as exc:
            raise BlobRejected(str(exc)) from None
    else:
        chunk = first
        while chunk:
            stager.feed(chunk)
            chunk = raw.read(CHUNK)
    if stager.size == 0:
        raise BlobRejected("the file is empty")
    return stager.finish()


class _CountingReader:
    """The raw upload, refused as soon as it passes ``max_bytes``."""

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self._stream = stream
        self._max = max_bytes
        self.size = 0

    def read(self, size: int) -> bytes:
        data = self._stream.read(size)
        self.size += len(data)
        if self.size > self._max:
            raise BlobTooLarge(f"upload is larger than the limit of {self._max} bytes")
        return data


def put_blob(session: Session, staged: StagedBlob) -> str:
    """Store ``staged`` unless identical content is already there; returns its sha256.

    The chunks are written only by the transaction whose blob row was new, so the same content
    uploaded twice (or concurrently) stores its chunks once.
    """
    values = {
        "sha256": staged.sha256,
        "size": staged.size,
        "stored_size": staged.stored_size,
        "compression": CHUNKED,
        "data": b"",
    }
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = upsert(Blob).values(**values).on_conflict_do_nothing(index_elements=["sha256"])
    if session.scalar(stmt.returning(Blob.sha256)) is None:
        return staged.sha256
    for seq, chunk in enumerate(staged.chunks):
        row = {
            "blob_sha256": staged.sha256,
            "seq": seq,
            "first_line": chunk.first_line,
            "line_count": chunk.line_count,
            "raw_offset": chunk.raw_offset,
            "raw_size": chunk.raw_size,
            "data": chunk.data,
        }
        session.execute(insert(BlobChunk).values(**row))
    return staged.sha256


def put_bytes(session: Session, data: bytes) -> str:
    """Store an in-memory document (a result JSON) as a blob."""
    stager = _Stager()
    stager.feed(data)
    return put_blob(session, stager.finish())


def read_blob(session: Session, sha256: str) -> bytes:
    """The uncompressed content of a blob (KeyError when missing)."""
    return b"".join(_pieces(session, sha256))


def write_blob_file(session: Session, sha256: str, path: Path) -> None:
    """Write a blob uncompressed to ``path`` (for the engine, which takes files)."""
    pieces = _pieces(session, sha256)
    with path.open("wb") as out:
        for piece in pieces:
            out.write(piece)


def iter_blob_gzip(session: Session, sha256: str) -> Iterator[bytes]:
    """The blob as one gzip file, as stored: a chunked blob's members one after the other (a
    multi-member gzip file, RFC 1952 2.2, which gunzip reads as one), nothing recompressed."""
    compression, data = _head(session, sha256)
    if compression != CHUNKED:
        yield data
        return
    yield from _members(session, sha256, 0)


def gzip_size(session: Session, sha256: str) -> int:
    """The size of ``iter_blob_gzip``'s output (``stored_size``: the sum of the members)."""
    size = session.scalar(select(Blob.stored_size).where(Blob.sha256 == sha256))
    if size is None:
        raise KeyError(sha256)
    return int(size)


def iter_blob_lines(
    session: Session, sha256: str, start_line: int = 1, *, max_line_bytes: int | None = None
) -> Iterator[bytes]:
    """The lines of a blob from ``start_line`` (1-based) on, with their endings.

    A chunked blob is read from the chunk holding ``start_line``, one chunk at a time as the
    lines are consumed, and inflated ``CHUNK`` bytes at a time; an old single-stream blob is
    decompressed from its start. With ``max_line_bytes`` a longer line is cut to that many
    bytes (plus its newline) while it streams past, so a 255 MB line costs a few MiB, not
    gigabytes."""
    start_line = max(1, start_line)
    compression, data = _head(session, sha256)
    if compression != CHUNKED:
        lines = _split_lines(_stream_pieces(data), max_line_bytes)
        yield from islice(lines, start_line - 1, None)
        return
    first, pieces = _pieces_from(session, sha256, start_line)
    yield from islice(_split_lines(pieces, max_line_bytes), start_line - first, None)


def _pieces_from(session: Session, sha256: str, line: int) -> tuple[int, Iterator[bytes]]:
    """``(its first line, its content)`` from the chunk of a chunked blob holding ``line``
    on, inflated ``CHUNK`` bytes at a time and fetched a chunk at a time as consumed."""
    found = session.execute(
        select(BlobChunk.seq, BlobChunk.first_line, BlobChunk.data)
        .where(BlobChunk.blob_sha256 == sha256, BlobChunk.first_line <= line)
        .order_by(BlobChunk.first_line.desc())
        .limit(1)
    ).one_or_none()
    if found is None:
        return line, iter(())
    members = _prepend(found.data, _members(session, sha256, found.seq + 1))
    return found.first_line, (piece for member in members for piece in _inflate(member))


def iter_blob_blocks(
    session: Session, sha256: str, start_line: int = 1, *, max_line_bytes: int
) -> Iterator[tuple[int, bytes]]:
    """``(first line number, bytes of whole lines)`` from ``start_line`` on, about ``CHUNK``
    bytes at a time: what a scan over the whole log (search) reads, without splitting it into
    line objects in Python. A line longer than ``max_line_bytes`` is cut while it streams
    past, so memory stays bounded by the cap and one piece."""
    start_line = max(1, start_line)
    compression, data = _head(session, sha256)
    if compression != CHUNKED:
        yield from _line_blocks(_stream_pieces(data), 1, start_line, max_line_bytes)
        return
    first, pieces = _pieces_from(session, sha256, start_line)
    yield from _line_blocks(pieces, first, start_line, max_line_bytes)


def _line_blocks(
    pieces: Iterable[bytes], first_line: int, start_line: int, cap: int
) -> Iterator[tuple[int, bytes]]:
    """Re-cut ``pieces`` (which start at line ``first_line``) after their last newline, skip
    the lines before ``start_line``, and cut lines longer than ``cap``."""
    line = first_line
    pending = b""
    for piece in pieces:
        data = pending + piece if pending else piece
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            pending = data[:cap]
            continue
        block, pending = data[:cut], data[cut:][:cap]
        if line < start_line:
            offset = _skip_lines(block, start_line - line)
            line += block.count(b"\n", 0, offset)
            block = block[offset:]
        if block:
            yield line, block
            line += block.count(b"\n")
    if pending and line >= start_line:
        yield line, pending


def _skip_lines(block: bytes, count: int) -> int:
    """The offset in ``block`` after its first ``count`` newlines (its length if fewer)."""
    offset = 0
    for _ in range(count):
        newline = block.find(b"\n", offset)
        if newline < 0:
            return len(block)
        offset = newline + 1
    return offset


def _inflate(member: bytes) -> Iterator[bytes]:
    """One gzip member decompressed ``CHUNK`` bytes at a time (never all of it at once)."""
    decompressor = zlib.decompressobj(31)
    data = member
    while data and not decompressor.eof:
        out = decompressor.decompress(data, CHUNK)
        data = decompressor.unconsumed_tail
        if out:
            yield out
    rest = decompressor.flush()
    if rest:
        yield rest


def _head(session: Session, sha256: str) -> tuple[str, bytes]:
    """``(compression, data)`` of a blob; ``data`` is empty for chunked blobs."""
    row = session.execute(
        select(Blob.compression, Blob.data).where(Blob.sha256 == sha256)
    ).one_or_none()
    if row is None:
        raise KeyError(sha256)
    return row.compression, row.data


def _pieces(session: Session, sha256: str) -> Iterator[bytes]:
    """The uncompressed content of any blob in order, a chunk (or ``CHUNK``) at a time."""
    compression, data = _head(session, sha256)
    if compression != CHUNKED:
        return _stream_pieces(data)
    return (zlib.decompress(member, 31) for member in _members(session, sha256, 0))


def _members(session: Session, sha256: str, seq: int) -> Iterator[bytes]:
    """Gzip members of a chunked blob from ``seq`` on, each fetched only when asked for."""
    while True:
        data = session.scalar(
            select(BlobChunk.data).where(BlobChunk.blob_sha256 == sha256, BlobChunk.seq == seq)
        )
        if data is None:
            return
        yield data
        seq += 1


def _stream_pieces(data: bytes) -> Iterator[bytes]:
    """Decompress one whole-blob gzip stream (the old format) ``CHUNK`` bytes at a time."""
    decompressor = zlib.decompressobj(31)
    for start in range(0, len(data), CHUNK):
        yield decompressor.decompress(data[start : start + CHUNK])
    yield decompressor.flush()


def _prepend(first: bytes, rest: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _split_lines(pieces: Iterable[bytes], max_line_bytes: int | None = None) -> Iterator[bytes]:
    """The lines (each with its newline, but maybe the last) of a sequence of byte pieces;
    with ``max_line_bytes``, a longer line is cut to that length (its newline kept) and the
    rest is skipped as it arrives, so memory stays bounded by the cap and one piece."""
    cap = max_line_bytes
    pending = bytearray()
    for piece in pieces:
        start = 0
        while True:
            newline = piece.find(b"\n", start)
            end = len(piece) if newline < 0 else newline
            if cap is None or len(pending) < cap:
                room = end - start if cap is None else min(end - start, cap - len(pending))
                pending += piece[start : start + room]
            if newline < 0:
                break
            yield bytes(pending) + b"\n"
            pending.clear()
            start = newline + 1
    if pending:
        yield bytes(pending)
