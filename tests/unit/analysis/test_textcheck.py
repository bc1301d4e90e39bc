"""The "not a log" check: Debian's firmware images and variable stores are refused with a
reason, every real log is accepted, and the share rule works without the FV signature too."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.analysis.textcheck import SAMPLE_BYTES, binary_reason
from tests.unit.analysis.firmware.conftest import OVMF_DIR
from tests.unit.conftest import LOGS_DIR

IMAGES = sorted(OVMF_DIR.glob("*.fd"))
LOGS = sorted(LOGS_DIR.glob("*.log"))


def test_the_images_and_logs_are_there() -> None:
    assert OVMF_DIR.is_dir(), "the project's setup installs Debian's ovmf package"
    assert len(IMAGES) >= 4 and any(p.name.startswith("OVMF_VARS") for p in IMAGES)
    assert len(LOGS) == 19


@pytest.mark.parametrize("path", IMAGES, ids=[p.name for p in IMAGES])
def test_firmware_images_are_not_logs(path: Path) -> None:
    head = path.read_bytes()[:SAMPLE_BYTES]
    assert binary_reason(head) == (
        "a UEFI firmware volume (a firmware image or variable store), not a log"
    )
    # Without the volume header (a cut image, a capsule), the content itself is binary.
    reason = binary_reason(head[4096:])
    assert reason is not None and reason.endswith("not a log")


@pytest.mark.parametrize("path", LOGS, ids=[p.name[:3] for p in LOGS])
def test_every_real_log_is_text(path: Path) -> None:
    assert binary_reason(path.read_bytes()[:SAMPLE_BYTES]) is None


def test_a_few_nul_bytes_and_escapes_are_tolerated() -> None:
    line = b"\x1b[0mLoading driver at 0x0007EA1F000 EntryPoint=0x0007EA22A10 \x00\r\n"
    assert binary_reason(line * 200) is None


def test_mostly_nul_input_is_named() -> None:
    assert binary_reason(b"\x00" * 5000) == "100% of the first 5,000 bytes are NUL bytes: not a log"


def test_binary_without_nul_majority_is_binary_data() -> None:
    sample = bytes(range(256)) * 16
    reason = binary_reason(sample)
    assert reason is not None and "binary data, not text" in reason


def test_utf8_text_and_a_character_cut_at_the_end_are_text() -> None:
    text = "Kernel-Kommentar: Größe überprüft ✓\n".encode() * 100
    assert binary_reason(text) is None
    assert binary_reason(text + "✓".encode()[:2]) is None


def test_empty_input_is_left_to_the_empty_check() -> None:
    assert binary_reason(b"") is None
