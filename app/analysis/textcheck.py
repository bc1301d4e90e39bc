"""Is this a log at all? A cheap look at the first bytes of an input before it is analysed.

Users upload the wrong file: a firmware image (``OVMF_CODE.fd``), a variable store, a core
dump, a disk image. The scanner would read such input without complaint, recognise nothing and
report a "truncated" boot, which is a wrong verdict rather than an error. This module decides
from a sample of the (decompressed) input whether it is text, and says why not.

The rules, and why they are what they are:

- A UEFI firmware volume (``_FVH`` signature at offset 40 of the sample, as at the start of
  every OVMF/TDVF image and variable store) is named as such: it is the most common mistake.
- Otherwise the sample is binary when more than ``MAX_NON_TEXT_SHARE`` of its characters are
  not text: control characters other than TAB, LF, CR, FF, BS and ESC (NUL included), and
  bytes that are not valid UTF-8. A few NUL bytes or stray escape sequences are common in real
  serial captures and are tolerated; a log that is mostly NUL is not a log.

The decision uses only the first ``SAMPLE_BYTES`` (real logs are text from their first line;
firmware images are binary from their first block), so it costs nothing on large inputs.
Callers read that much of the decompressed stream and pass it in.
"""

from __future__ import annotations

SAMPLE_BYTES = 64 * 1024
MAX_NON_TEXT_SHARE = 0.30
FV_SIGNATURE = b"_FVH"
FV_SIGNATURE_OFFSET = 40  # EFI_FIRMWARE_VOLUME_HEADER.Signature
_TEXT_CONTROLS = frozenset("\t\n\r\f\b\x1b")


def binary_reason(sample: bytes) -> str | None:
    """``None`` when ``sample`` (the first bytes of an input) reads as text, else a one-line
    reason fit for an error message ("not a log: ...")."""
    sample = sample[:SAMPLE_BYTES]
    if not sample:
        return None
    end = FV_SIGNATURE_OFFSET + len(FV_SIGNATURE)
    if sample[FV_SIGNATURE_OFFSET:end] == FV_SIGNATURE:
        return "a UEFI firmware volume (a firmware image or variable store), not a log"
    share, nul = _non_text_share(sample)
    if share > MAX_NON_TEXT_SHARE:
        what = "NUL bytes" if nul > len(sample) // 2 else "binary data, not text"
        return f"{share:.0%} of the first {len(sample):,} bytes are {what}: not a log"
    return None


def _non_text_share(sample: bytes) -> tuple[float, int]:
    """Share of characters that are not text, and the number of NUL bytes."""
    # A multi-byte UTF-8 character cut at the end of the sample is not an error.
    decoded = sample.decode("utf-8", "replace").rstrip("\ufffd")
    if not decoded:
        return 1.0, sample.count(0)
    bad = sum(
        1
        for char in decoded
        if char == "\ufffd" or ((char < " " or char == "\x7f") and char not in _TEXT_CONTROLS)
    )
    return bad / len(decoded), sample.count(0)
