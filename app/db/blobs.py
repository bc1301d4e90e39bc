"""Content-addressed blob store inside the database: sha256 of the content, gzip at rest.

Uploads are *staged* first: read once as a stream, gunzipped if they are gzip (with limits on
size and expansion ratio, so a gzip bomb is refused before anything is stored), hashed,
line-counted and recompressed. Only a fully staged blob is written, in the same transaction as
the boot that uses it, and identical content is stored once (``INSERT ... ON CONFLICT DO
NOTHING`` keeps concurrent uploads of the same log from colliding).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.analysis.source import GZIP_MAGIC
from app.db.models import Blob

CHUNK = 1024 * 1024
RATIO_FLOOR = 1024 * 1024  # expansion ratio is only judged once this much came out


class BlobTooLarge(Exception):
    """The upload or its decompressed content is over a limit (HTTP 413)."""


class BlobRejected(Exception):
    """The upload cannot be stored as given: empty, corrupt gzip (HTTP 422)."""


@dataclass(frozen=True)
class StagedBlob:
    sha256: str
    size: int
    lines: int
    compressed: bytes


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_decompressed: int
    max_ratio: float


class _Stager:
    """Hash, count lines and gzip a stream of plain bytes."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0
        self.newlines = 0
        self.last = b""
        self.out = io.BytesIO()
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31)

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.digest.update(data)
        self.size += len(data)
        self.newlines += data.count(b"\n")
        self.last = data[-1:]
        self.out.write(self.compressor.compress(data))

    def finish(self) -> StagedBlob:
        self.out.write(self.compressor.flush())
        lines = self.newlines + (1 if self.size and self.last != b"\n" else 0)
        return StagedBlob(self.digest.hexdigest(), self.size, lines, self.out.getvalue())


def stage_upload(stream: BinaryIO, *, limits: Limits, gunzip: bool = True) -> StagedBlob:
    """Read ``stream`` fully under ``limits``; gzip input is decompressed when ``gunzip``."""
    stager = _Stager()
    raw = 0
    first = stream.read(CHUNK)
    is_gzip = gunzip and first[:2] == GZIP_MAGIC
    decompressor = zlib.decompressobj(31) if is_gzip else None
    chunk = first
    while chunk:
        raw += len(chunk)
        if raw > limits.max_bytes:
            raise BlobTooLarge(f"upload is larger than the limit of {limits.max_bytes} bytes")
        if decompressor is None:
            stager.feed(chunk)
        else:
            decompressor = _gunzip_into(stager, decompressor, chunk, limits.max_decompressed)
            if stager.size > RATIO_FLOOR and stager.size > raw * limits.max_ratio:
                raise BlobTooLarge(
                    f"gzip expands more than {limits.max_ratio:g} times; refusing it"
                )
        chunk = stream.read(CHUNK)
    if decompressor is not None and not decompressor.eof:
        raise BlobRejected("the gzip stream is truncated")
    if stager.size == 0:
        raise BlobRejected("the file is empty")
    return stager.finish()


def _gunzip_into(
    stager: _Stager, decompressor: zlib._Decompress, chunk: bytes, max_size: int
) -> zlib._Decompress:
    """Feed one compressed chunk, following concatenated gzip members; bounded output."""
    data = chunk
    while data:
        try:
            out = decompressor.decompress(data, CHUNK)
            while out:
                stager.feed(out)
                if stager.size > max_size:
                    raise BlobTooLarge(f"decompressed log is larger than {max_size} bytes")
                out = decompressor.decompress(decompressor.unconsumed_tail, CHUNK)
        except zlib.error as exc:
            raise BlobRejected(f"corrupt gzip data: {exc}") from None
        data = decompressor.unused_data if decompressor.eof else b""
        if data:
            decompressor = zlib.decompressobj(31)
    return decompressor


def put_blob(session: Session, staged: StagedBlob) -> str:
    """Store ``staged`` unless identical content is already there; returns its sha256."""
    values = {
        "sha256": staged.sha256,
        "size": staged.size,
        "stored_size": len(staged.compressed),
        "compression": "gzip",
        "data": staged.compressed,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Blob).values(**values).on_conflict_do_nothing(index_elements=["sha256"])
    session.execute(stmt)
    return staged.sha256


def put_bytes(session: Session, data: bytes) -> str:
    """Store an in-memory document (a result JSON) as a blob."""
    stager = _Stager()
    stager.feed(data)
    return put_blob(session, stager.finish())


def read_blob(session: Session, sha256: str) -> bytes:
    """The uncompressed content of a blob (KeyError when missing)."""
    data = session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
    if data is None:
        raise KeyError(sha256)
    return zlib.decompress(data, 31)


def write_blob_file(session: Session, sha256: str, path: Path) -> None:
    """Write a blob uncompressed to ``path`` (for the engine, which takes files)."""
    data = session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
    if data is None:
        raise KeyError(sha256)
    decompressor = zlib.decompressobj(31)
    with path.open("wb") as out:
        for start in range(0, len(data), CHUNK):
            out.write(decompressor.decompress(data[start : start + CHUNK]))
        out.write(decompressor.flush())


def iter_blob_lines(session: Session, sha256: str) -> Iterator[bytes]:
    """The lines of a blob (with their endings), decompressed as they are needed."""
    data = session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
    if data is None:
        raise KeyError(sha256)
    decompressor = zlib.decompressobj(31)
    pending = b""
    for start in range(0, len(data), CHUNK):
        pending += decompressor.decompress(data[start : start + CHUNK])
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line + b"\n"
    pending += decompressor.flush()
    *complete, pending = pending.split(b"\n")
    for line in complete:
        yield line + b"\n"
    if pending:
        yield pending
