"""Shared e2e fixture: real ``cvmreview serve`` / ``worker`` processes on a SQLite data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servicekit import Services, service_env


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Iterator[Services]:
    """Servers and workers started by the test on ``tmp_path/data``, all stopped after it."""
    kit = Services(tmp_path, service_env(CVMREVIEW_DATA_DIR=str(tmp_path / "data")))
    yield kit
    kit.stop()
