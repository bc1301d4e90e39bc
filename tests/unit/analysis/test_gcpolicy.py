"""The analysis raises the collector's thresholds while it runs and restores them after."""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator

import pytest

from app.analysis import gcpolicy
from app.analysis.gcpolicy import fewer_collections
from app.analysis.report import analyze
from app.synth import demo_workloads, write_log


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_thresholds_are_raised_during_an_analysis_and_restored_after() -> None:
    seen: list[tuple[int, int, int]] = []

    class Probe(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            seen.append(gc.get_threshold())
            return super().read(size)

    log = io.BytesIO()
    write_log(demo_workloads()[0], log)
    analyze(Probe(log.getvalue()), name="demo.log")
    assert seen and set(seen) == {(gcpolicy.YOUNG, gcpolicy.MIDDLE, gcpolicy.OLD)}
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_analyses_restore_only_when_the_last_ends() -> None:
    first_inside = threading.Event()
    release = threading.Event()

    def first() -> None:
        with fewer_collections():
            first_inside.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(10)
    with fewer_collections():
        pass
    assert gc.get_threshold()[0] == gcpolicy.YOUNG  # the first analysis still runs
    release.set()
    thread.join(10)
    assert gc.get_threshold() == (700, 10, 10)


def test_higher_thresholds_set_by_the_process_are_kept() -> None:
    gc.set_threshold(10**6, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (10**6, gcpolicy.MIDDLE, gcpolicy.OLD)
    assert gc.get_threshold() == (10**6, 10, 10)
