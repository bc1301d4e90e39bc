"""Reading a boot log as a stream of blocks that end on line boundaries.

Logs arrive plain or gzip-compressed, from a debug console file or a serial capture, and may be
hundreds of megabytes. Reading in large blocks keeps the per-line cost in C; cutting blocks at
the last newline means no line is ever split between two blocks. A "line" with no newline for
``MAX_LINE`` bytes (binary junk) is cut there, so memory stays bounded whatever the input.

gzip is decoded by ``compression.gunzip``, the same reader the upload path uses.

The sha256 is taken over the bytes as given (compressed if the upload was), which is what the
service stores and deduplicates by.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from app.analysis.compression import GZIP_MAGIC, gunzip
from app.analysis.errors import InputError

BLOCK_SIZE = 4 << 20
MAX_LINE = 1 << 20

# Control characters other than TAB and LF are dropped (CR of CRLF, NUL padding, ESC, BEL...).
_DELETE = bytes(c for c in range(32) if c not in (9, 10)) + b"\x7f"
# CSI and OSC escape sequences as terminals and the EFI shell emit them.
_ANSI = re.compile(rb"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


@dataclass(slots=True)
class SourceStats:
    """What was read: raw (as given) and decompressed sizes, digest, compression."""

    raw_bytes: int = 0
    bytes: int = 0
    sha256: str = ""
    compressed: bool = False


class _HashingReader:
    """Wraps the raw stream so the digest covers exactly the bytes given to us."""

    def __init__(self, stream: BinaryIO, stats: SourceStats) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self._stats = stats

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._hash.update(data)
        self._stats.raw_bytes += len(data)
        return data

    def finish(self) -> None:
        self._stats.sha256 = self._hash.hexdigest()


def normalise(block: bytes) -> bytes:
    """Remove escape sequences and control characters; keeps every newline (line numbers)."""
    if b"\x1b" in block:
        block = _ANSI.sub(b"", block)
    return block.translate(None, _DELETE)


def iter_blocks(
    stream: BinaryIO,
    stats: SourceStats,
    *,
    progress: Callable[[int], None] | None = None,
    block_size: int = BLOCK_SIZE,
) -> Iterator[bytes]:
    """Yield raw (not yet normalised) blocks, each ending with a newline, the last one
    completed with one. ``progress`` receives the number of raw bytes read so far."""
    reader = _HashingReader(stream, stats)
    head = reader.read(2)
    stats.compressed = head == GZIP_MAGIC
    decoded = gunzip(reader.read, head) if stats.compressed else _plain(reader, head, block_size)
    carry = b""
    try:
        for data in decoded:
            stats.bytes += len(data)
            if progress is not None:
                progress(stats.raw_bytes)
            carry += data
            cut = carry.rfind(b"\n") + 1
            if cut == 0 and len(carry) > MAX_LINE:
                cut = len(carry)
                carry += b"\n"
            if cut:
                yield carry[:cut] if cut < len(carry) else carry
                carry = carry[cut:] if cut < len(carry) else b""
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read the log: {exc}") from exc
    if carry:
        yield carry + b"\n"
    reader.finish()


def _plain(reader: _HashingReader, head: bytes, block_size: int) -> Iterator[bytes]:
    if head:
        yield head
    while data := reader.read(block_size):
        yield data
