"""Every input a fuzzer ever crashed on, replayed through its target: tests/fuzz/regressions/
TARGET/*.bin. A file here is a bug that was fixed; the test keeps it fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS

REGRESSIONS = Path(__file__).parent / "regressions"
CASES = sorted(REGRESSIONS.glob("*/*.bin"))


def test_every_regression_names_a_target() -> None:
    assert CASES, "no regression inputs checked in"
    assert {case.parent.name for case in CASES} <= set(TARGETS)


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.parent.name}/{case.stem}")
def test_crashing_input_no_longer_crashes(case: Path) -> None:
    TARGETS[case.parent.name](case.read_bytes())
