"""Fixtures for unit tests: paths to the real logs bundled with the package (never the cwd)."""

from __future__ import annotations

from pathlib import Path

import pytest

import app

LOGS_DIR = Path(app.__file__).parent / "data" / "logs"


@pytest.fixture(scope="session")
def logs_dir() -> Path:
    return LOGS_DIR


def real_log(prefix: str) -> Path:
    """The bundled real log whose file name starts with ``prefix`` (e.g. ``"003"``)."""
    matches = sorted(LOGS_DIR.glob(f"{prefix}-*.log"))
    assert len(matches) == 1, f"expected one log named {prefix}-*.log in {LOGS_DIR}"
    return matches[0]
