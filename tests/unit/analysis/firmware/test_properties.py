"""Property tests: arbitrary bytes and mutations of real images never raise; every result is
either tables or diagnostics, and its document loads back."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analysis.firmware import (
    FirmwareReport,
    compare_firmware,
    load_metadata_json,
    read_firmware,
)
from app.analysis.firmware.diagnostics import CODES

from . import builders as b
from .conftest import OVMF_DIR

REAL = (OVMF_DIR / "OVMF_CODE.fd").read_bytes() if (OVMF_DIR / "OVMF_CODE.fd").is_file() else None
BUILT = b.image()
BASE = REAL if REAL is not None else BUILT
TAIL = 0x1000  # the metadata lives in the last 4 KiB

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(report: FirmwareReport) -> None:
    """Tables or diagnostics, codes from the catalogue, offsets inside the image."""
    assert report.usable or report.diagnostics
    for d in report.diagnostics:
        assert d.code in CODES and d.message
        assert d.offset is None or 0 <= d.offset < report.identity.size
    document = report.to_dict()
    again = load_metadata_json(json.dumps(document), name="again.json")
    assert again.to_dict()["diagnostics"] == document["diagnostics"]
    report.seed_ranges()
    compare_firmware(report, again)


@PROPERTY
@given(st.binary(min_size=1, max_size=4096))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _check(read_firmware(data, name="fuzz"))


@PROPERTY
@given(st.binary(min_size=1, max_size=600))
def test_arbitrary_tail_with_footer_guid_never_raises(tail: bytes) -> None:
    """Random table bytes behind a valid footer GUID: the walker's hardest input."""
    data = bytearray(0x10000)
    data[-len(tail) - 0x30 : -0x30] = tail
    data[-0x30:-0x20] = b.FOOTER.bytes_le
    _check(read_firmware(bytes(data), name="fuzz"))


@PROPERTY
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=TAIL), st.integers(0, 255)),
        min_size=1,
        max_size=24,
    )
)
def test_mutated_real_image_never_raises(edits: list[tuple[int, int]]) -> None:
    data = bytearray(BASE)
    for back, value in edits:
        data[-back] = value
    _check(read_firmware(bytes(data), name="mutated"))


@PROPERTY
@given(st.integers(min_value=1, max_value=len(BASE)))
def test_truncated_real_image_never_raises(keep: int) -> None:
    _check(read_firmware(BASE[-keep:], name="truncated"))
