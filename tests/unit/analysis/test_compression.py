"""The one gzip reader: what it accepts (gzip(1)'s tolerance), what it refuses, and how early a
bounded inflate stops a bomb."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest

from app.analysis.compression import GzipCorrupt, GzipTooLarge, InflateLimits, gunzip
from app.analysis.report import analyze

LOG = b"IoMmuMap: Operation=Read Host=0x7F6A5018 Bytes=0x10\n" * 200


def inflate(data: bytes, limits: InflateLimits | None = None) -> bytes:
    stream = io.BytesIO(data)
    if limits is None:
        return b"".join(gunzip(stream.read))
    return b"".join(gunzip(stream.read, limits=limits))


def test_trailing_zero_padding_and_concatenated_members_are_accepted() -> None:
    data = gzip.compress(LOG) + gzip.compress(b"tail\n") + b"\0" * 3000
    assert inflate(data) == LOG + b"tail\n"
    assert inflate(data, InflateLimits(step=512)) == LOG + b"tail\n"


def test_garbage_after_a_member_and_truncation_are_refused() -> None:
    with pytest.raises(GzipCorrupt, match="corrupt gzip"):
        inflate(gzip.compress(LOG) + b"not gzip")
    with pytest.raises(GzipCorrupt, match="truncated"):
        inflate(gzip.compress(LOG)[:-20])


def test_analyze_reads_a_zero_padded_gzip_log() -> None:
    document = analyze(io.BytesIO(gzip.compress(LOG) + b"\0" * 512), name="padded.log.gz")
    assert document.source.compressed and document.source.lines == 200


def test_a_bomb_is_refused_within_one_step_of_the_ratio_limit() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(b"\0" * (64 << 20)) + packer.flush()
    limits = InflateLimits(max_ratio=20, ratio_floor=1 << 20, step=64 << 10)
    produced = 0
    with pytest.raises(GzipTooLarge, match="expands more than 20 times"):
        for piece in gunzip(io.BytesIO(bomb).read, limits=limits):
            produced += len(piece)
    # at most one step of input was read when it stopped, so at most one step past the bound:
    # about 1.3 MiB inflated, not 64 MiB
    assert produced <= max(limits.ratio_floor, 20 * limits.step) + limits.step


def test_the_decompressed_size_limit_is_checked_while_inflating() -> None:
    limits = InflateLimits(max_output=10_000, step=1024)
    with pytest.raises(GzipTooLarge, match="larger than 10000 bytes"):
        inflate(gzip.compress(LOG * 10), limits)
