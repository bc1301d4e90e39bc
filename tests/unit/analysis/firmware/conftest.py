"""Fixtures for the firmware tests: the Debian OVMF images and their measured values.

The images come from Debian's ``ovmf`` package (installed by the project's setup under
/usr/share/OVMF); the expected values live in tests/fixtures/firmware with their provenance.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "firmware"
OVMF_DIR = Path("/usr/share/OVMF")
EXPECTED: dict[str, Any] = json.loads(
    (FIXTURES / "debian-bookworm-ovmf.json").read_text(encoding="utf-8")
)["images"]


def debian_image(name: str) -> bytes:
    """The installed image, or a skip saying why its values cannot be checked."""
    path = OVMF_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is not installed (apt-get install ovmf / ovmf-ia32)")
    data = path.read_bytes()
    expected = EXPECTED[name]["sha256"]
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        pytest.skip(
            f"{path} has sha256 {actual}, not the measured {expected}: Debian updated the "
            "package; re-measure tests/fixtures/firmware/debian-bookworm-ovmf.*"
        )
    return data


@pytest.fixture(scope="session")
def ovmf_code() -> bytes:
    return debian_image("OVMF_CODE.fd")
