"""Shared helpers: synthesize a workload into memory and index its lines."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from app.synth import GroundTruth, Workload, demo_workloads, write_log


@dataclass
class Synthesized:
    raw: bytes
    lines: list[str]
    truth: GroundTruth

    def line(self, number: int) -> str:
        """The text of 1-based line ``number``."""
        return self.lines[number - 1]


def synthesize(workload: Workload, **kwargs: object) -> Synthesized:
    out = io.BytesIO()
    truth = write_log(workload, out, **kwargs)  # type: ignore[arg-type]
    raw = out.getvalue()
    return Synthesized(raw, raw.decode("latin-1").split("\r\n")[:-1], truth)


@pytest.fixture(scope="session")
def demos() -> dict[str, Synthesized]:
    return {w.name: synthesize(w) for w in demo_workloads()}
