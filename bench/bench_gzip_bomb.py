"""CPU spent refusing a gzip bomb at upload staging (target: well under 0.5 s for a 1 MB bomb).

The upload path inflates with the engine's reader (``app.analysis.compression``), which checks
the expansion ratio after every 64 KiB step; before, a whole 1 MiB input chunk was inflated
(about 1 GiB) before the ratio was looked at. Prints one line per bomb size.
"""

from __future__ import annotations

import io
import time
import zlib

from app.db.blobs import BlobTooLarge, Limits, stage_upload

LIMITS = Limits(max_bytes=200 << 20, max_decompressed=4 << 30, max_ratio=20.0)


def bomb(zero_mib: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (64 << 20)
    return b"".join(packer.compress(block) for _ in range(zero_mib // 64)) + packer.flush()


def main() -> None:
    for zero_mib in (64, 1024, 4096):
        data = bomb(zero_mib)
        started = time.process_time()
        try:
            stage_upload(io.BytesIO(data), limits=LIMITS)
            outcome = "accepted (wrong)"
        except BlobTooLarge as exc:
            outcome = str(exc)
        seconds = time.process_time() - started
        print(f"bomb {len(data) / 1e6:.2f} MB -> {zero_mib} MiB: {seconds:.3f} s CPU, {outcome}")


if __name__ == "__main__":
    main()
