"""The one gzip reader: the engine's ``analyze`` and the service's upload staging both use it.

gzip(1) accepts concatenated members and zero padding after the last one (tape blocks, some
serial-capture tools), so this does too; anything else after a member is a new member or an
error. A corrupt or truncated stream is an error rather than a silently shortened log.

Limits on the decompressed size and on the expansion ratio are parameters (``InflateLimits``),
checked after every small inflate step, so a gzip bomb is refused after about ``step`` bytes
past the limit instead of after inflating whole megabytes of input.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.analysis.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = zlib.MAX_WBITS | 16


class GzipCorrupt(InputError):
    """The gzip stream is corrupt or truncated."""


class GzipTooLarge(InputError):
    """The decompressed content is over a limit of ``InflateLimits``."""


@dataclass(frozen=True, slots=True)
class InflateLimits:
    """Bounds on inflating untrusted input. ``step`` is both the compressed bytes read and the
    decompressed bytes produced per step: the unit the limits are checked in."""

    max_output: int | None = None
    max_ratio: float | None = None
    ratio_floor: int = 1 << 20  # the ratio is only judged once this much came out
    step: int = 64 << 10

    def check(self, produced: int, consumed: int) -> None:
        if self.max_output is not None and produced > self.max_output:
            raise GzipTooLarge(f"decompressed log is larger than {self.max_output} bytes")
        ratio = self.max_ratio
        if ratio is not None and produced > self.ratio_floor and produced > consumed * ratio:
            raise GzipTooLarge(f"gzip expands more than {ratio:g} times; refusing it")


UNLIMITED = InflateLimits(step=4 << 20)  # trusted input (the CLI): large steps, no bounds


def gunzip(
    read: Callable[[int], bytes], head: bytes = b"", *, limits: InflateLimits = UNLIMITED
) -> Iterator[bytes]:
    """Decompress the gzip stream ``head`` + ``read(n)``... incrementally, following
    concatenated members, yielding pieces of at most ``limits.step`` bytes."""
    step = limits.step
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    started = False
    consumed = len(head)
    produced = 0
    data = head
    while True:
        if not data:
            data = read(step)
            if not data:
                break
            consumed += len(data)
        if not started and not data.strip(b"\0"):
            data = b""  # zero padding after the last member, as gzip(1) tolerates
            continue
        started = True
        try:
            out = decompressor.decompress(data, step)
        except zlib.error as exc:
            raise GzipCorrupt(f"corrupt gzip data: {exc}") from None
        if out:
            produced += len(out)
            limits.check(produced, consumed)
            yield out
        if decompressor.eof:
            data = decompressor.unused_data
            decompressor = zlib.decompressobj(_GZIP_WBITS)
            started = False
        else:
            data = decompressor.unconsumed_tail
    if started:
        rest = decompressor.flush()
        if rest:
            produced += len(rest)
            limits.check(produced, consumed)
            yield rest
        if not decompressor.eof:
            raise GzipCorrupt("the gzip stream is truncated")
