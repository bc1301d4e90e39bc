"""Chunked blobs: byte-identical round trips, line ranges that read only the chunks they need,
blobs in the old single-stream format, dedup, and the migration's downgrade."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from app.db.blobs import (
    CHUNK_RAW,
    CHUNKED,
    Limits,
    StagedBlob,
    iter_blob_lines,
    put_blob,
    read_blob,
    stage_upload,
    write_blob_file,
)
from app.db.migrate import alembic_config, upgrade
from app.db.models import Blob, BlobChunk
from app.db.session import Database

LIMITS = Limits(max_bytes=64 << 20, max_decompressed=64 << 20, max_ratio=1000)
SMALL = 4096  # chunk size that makes the real logs here span dozens of chunks


def stage(data: bytes, *, chunk_size: int = CHUNK_RAW, gunzip: bool = True) -> StagedBlob:
    return stage_upload(io.BytesIO(data), limits=LIMITS, gunzip=gunzip, chunk_size=chunk_size)


def _split_lf(data: bytes) -> list[bytes]:
    parts = data.split(b"\n")
    out = [part + b"\n" for part in parts[:-1]]
    return out + ([parts[-1]] if parts[-1] else [])


@contextmanager
def chunk_selects(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to ``engine`` that read ``blob_chunks``."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "blob_chunks" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def store(db: Database, staged: StagedBlob) -> str:
    with db.write() as session:
        return put_blob(session, staged)


CASES = {
    "crlf": b"".join(b"line %d of a windows log\r\n" % i for i in range(3000)),
    "no-trailing-newline": b"".join(b"entry %05d\n" % i for i in range(2000)) + b"last",
    "long-line": b"short\n" + b"L" * (3 * SMALL + 17) + b"\nafter\n" + b"x\n" * 3000,
    "long-last-line": b"a\nb\n" + b"Z" * (5 * SMALL),
    "one-line": b"\n",
    "one-char": b"x",
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_round_trip_is_byte_identical(db: Database, tmp_path: Path, name: str, packed) -> None:
    raw = CASES[name]
    staged = stage(gzip.compress(raw) if packed else raw, chunk_size=SMALL)
    assert staged.size == len(raw) and staged.lines == len(_split_lf(raw))
    assert sum(chunk.line_count for chunk in staged.chunks) == staged.lines
    sha = store(db, staged)
    with db.read() as session:
        assert read_blob(session, sha) == raw
        assert list(iter_blob_lines(session, sha)) == _split_lf(raw)
        write_blob_file(session, sha, tmp_path / "out.log")
        blob = session.get(Blob, sha)
        assert blob is not None and blob.compression == CHUNKED and blob.data == b""
    assert (tmp_path / "out.log").read_bytes() == raw


def test_chunks_cut_at_line_boundaries(logs_dir: Path) -> None:
    raw = (logs_dir / "005-tianocore-bz579-plain-ovmf-debug.log").read_bytes()
    staged = stage(raw, chunk_size=SMALL)
    assert len(staged.chunks) > 20
    offset, line = 0, 1
    for chunk in staged.chunks:
        body = zlib.decompress(chunk.data, 31)
        assert (chunk.raw_offset, chunk.first_line, chunk.raw_size) == (offset, line, len(body))
        assert body == raw[offset : offset + len(body)] and len(body) <= SMALL
        assert body.endswith(b"\n") or chunk is staged.chunks[-1]
        offset, line = offset + len(body), line + chunk.line_count
    assert offset == len(raw) and line - 1 == staged.lines == raw.count(b"\n")


def test_long_line_makes_one_bigger_chunk() -> None:
    staged = stage(CASES["long-line"], chunk_size=SMALL)
    sizes = [chunk.raw_size for chunk in staged.chunks]
    assert sizes[0] == len(b"short\n") and sizes[1] == 3 * SMALL + 18
    assert all(size <= SMALL for size in sizes[2:])


def test_default_chunk_size_on_a_multi_megabyte_log(db: Database, logs_dir: Path) -> None:
    """Real log lines repeated past 2 MiB: chunks stay near 1 MiB and the whole reads back."""
    one = b"".join(path.read_bytes() for path in sorted(logs_dir.glob("*.log")))
    repeated = one * (2 * CHUNK_RAW // len(one) + 2)
    raw = repeated[: repeated.index(b"\n", 2 * CHUNK_RAW + CHUNK_RAW // 2) + 1]  # ~2.5 MiB
    staged = stage(gzip.compress(raw))
    assert len(staged.chunks) == 3
    assert all(CHUNK_RAW - 4096 < chunk.raw_size <= CHUNK_RAW for chunk in staged.chunks[:-1])
    sha = store(db, staged)
    with db.read() as session:
        assert read_blob(session, sha) == raw
        tail = list(iter_blob_lines(session, sha, staged.lines - 9))
    assert b"".join(tail) == b"".join(_split_lf(raw)[-10:])


def test_range_at_the_end_reads_only_the_last_chunks(db: Database, logs_dir: Path) -> None:
    raw = (logs_dir / "005-tianocore-bz579-plain-ovmf-debug.log").read_bytes()
    staged = stage(raw, chunk_size=SMALL)
    sha = store(db, staged)
    expected = _split_lf(raw)
    last = staged.chunks[-1]
    with db.read() as session, chunk_selects(db.engine) as seen:
        got = list(iter_blob_lines(session, sha, last.first_line + 1))
        assert got == expected[last.first_line :]
        assert len(seen) == 2  # the chunk holding the line, then "no chunk after it"
        seen.clear()
        start = last.first_line - 3  # the last lines of the chunk before, into the last one
        got = list(iter_blob_lines(session, sha, start))[:10]
        assert got == expected[start - 1 : start + 9]
        assert len(seen) == 3
        seen.clear()
        whole = read_blob(session, sha)
        assert whole == raw and len(seen) == len(staged.chunks) + 1


def test_lazy_range_stops_at_its_last_chunk(db: Database, logs_dir: Path) -> None:
    """The viewer's islice over a middle range fetches no chunk past the range."""
    from itertools import islice

    raw = (logs_dir / "008-debian-ovmf-2022.11-debug-plain.log").read_bytes()
    staged = stage(raw, chunk_size=SMALL)
    sha = store(db, staged)
    middle = staged.chunks[len(staged.chunks) // 2]
    with db.read() as session, chunk_selects(db.engine) as seen:
        got = list(islice(iter_blob_lines(session, sha, middle.first_line), middle.line_count))
        assert got == _split_lf(raw)[middle.first_line - 1 : middle.first_line - 1 + len(got)]
        assert len(got) == middle.line_count and len(seen) == 1


def test_old_single_stream_blobs_still_read(db: Database, tmp_path: Path, logs_dir: Path) -> None:
    raw = (logs_dir / "003-tianocore-bz1354-sev-es-ovmf-debug.log").read_bytes()
    sha = "0" * 64
    packed = gzip.compress(raw)
    with db.write() as session:
        session.add(
            Blob(
                sha256=sha, size=len(raw), stored_size=len(packed), compression="gzip", data=packed
            )
        )
    expected = _split_lf(raw)
    with db.read() as session:
        assert read_blob(session, sha) == raw
        assert list(iter_blob_lines(session, sha)) == expected
        assert list(iter_blob_lines(session, sha, 1800)) == expected[1799:]
        write_blob_file(session, sha, tmp_path / "old.log")
        with pytest.raises(KeyError):
            read_blob(session, "f" * 64)
    assert (tmp_path / "old.log").read_bytes() == raw


def test_same_content_stores_its_chunks_once(db: Database, logs_dir: Path) -> None:
    raw = (logs_dir / "003-tianocore-bz1354-sev-es-ovmf-debug.log").read_bytes()
    plain, packed = stage(raw, chunk_size=SMALL), stage(gzip.compress(raw), chunk_size=SMALL)
    assert plain.sha256 == packed.sha256
    with db.write() as session:
        put_blob(session, plain)
        put_blob(session, packed)
    store(db, plain)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Blob)) == 1
        chunks = session.scalar(select(func.count()).select_from(BlobChunk))
        assert chunks == len(plain.chunks) > 1
        assert read_blob(session, plain.sha256) == raw


def test_downgrade_turns_chunked_blobs_back_into_one_stream(database_url: str) -> None:
    raw = CASES["no-trailing-newline"]
    db = Database(database_url, pool_size=1)
    try:
        sha = store(db, stage(raw, chunk_size=SMALL))
        command.downgrade(alembic_config(database_url), "0002")
        with db.read() as session:
            row = session.execute(
                select(Blob.compression, Blob.data).where(Blob.sha256 == sha)
            ).one()
        assert row.compression == "gzip" and gzip.decompress(row.data) == raw
        upgrade(database_url)
        with db.read() as session:
            assert read_blob(session, sha) == raw
    finally:
        db.dispose()
