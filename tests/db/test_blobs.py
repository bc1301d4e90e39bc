"""Staging uploads (limits, gzip) and the content-addressed blob store."""

from __future__ import annotations

import gzip
import hashlib
import io

import pytest
from sqlalchemy import func, select

from app.db.blobs import (
    BlobRejected,
    BlobTooLarge,
    Limits,
    iter_blob_lines,
    put_blob,
    read_blob,
    stage_upload,
)
from app.db.models import Blob

LIMITS = Limits(max_bytes=1 << 20, max_decompressed=4 << 20, max_ratio=100)


def stage(data: bytes, limits: Limits = LIMITS, gunzip: bool = True):
    return stage_upload(io.BytesIO(data), limits=limits, gunzip=gunzip)


def test_stage_plain_and_gzip_agree(logs_dir) -> None:
    raw = (logs_dir / "003-tianocore-bz1354-sev-es-ovmf-debug.log").read_bytes()
    plain, packed = stage(raw), stage(gzip.compress(raw))
    assert plain.sha256 == packed.sha256 == hashlib.sha256(raw).hexdigest()
    assert plain.size == len(raw) and plain.lines == raw.count(b"\n") == 1811
    assert gzip.decompress(plain.compressed) == raw


def test_stage_concatenated_gzip_members() -> None:
    data = gzip.compress(b"first\n") + gzip.compress(b"second\nthird")
    staged = stage(data)
    assert gzip.decompress(staged.compressed) == b"first\nsecond\nthird"
    assert staged.lines == 3


def test_stage_firmware_is_not_gunzipped() -> None:
    data = gzip.compress(b"x" * 100)
    assert gzip.decompress(stage(data, gunzip=False).compressed) == data


def test_stage_refuses_over_limits() -> None:
    with pytest.raises(BlobTooLarge):
        stage(b"x" * (2 << 20))
    with pytest.raises(BlobTooLarge, match="decompressed"):
        stage(gzip.compress(b"line\n" * (1 << 20)), Limits(1 << 20, 2 << 20, 10_000))
    with pytest.raises(BlobTooLarge, match="expands"):
        stage(gzip.compress(b"\0" * (3 << 20)))
    with pytest.raises(BlobRejected, match="empty"):
        stage(b"")
    with pytest.raises(BlobRejected, match="truncated"):
        stage(gzip.compress(b"abc\n" * 1000)[:-12])


def test_put_blob_deduplicates(db) -> None:
    staged = stage(b"hello\nworld\n")
    with db.write() as session:
        put_blob(session, staged)
        put_blob(session, staged)
    with db.write() as session:
        put_blob(session, staged)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Blob)) == 1
        assert read_blob(session, staged.sha256) == b"hello\nworld\n"
        assert list(iter_blob_lines(session, staged.sha256)) == [b"hello\n", b"world\n"]


def test_stage_accepts_gzip_with_trailing_zero_padding_like_analyze() -> None:
    """The upload path and ``cvmreview analyze`` share one gzip reader, so they agree."""
    staged = stage(gzip.compress(b"first\nsecond\n") + b"\0" * 4096)
    assert gzip.decompress(staged.compressed) == b"first\nsecond\n"
    with pytest.raises(BlobRejected, match="corrupt gzip"):
        stage(gzip.compress(b"first\n") + b"junk after the member")
