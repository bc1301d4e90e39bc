"""Synthesized host traces against their ground truth: conversion counts, shared pages at
hand-off and at the end, every injected disagreement found at its line, none invented."""

from __future__ import annotations

import io

import pytest

from app.analysis.errors import WorkloadError
from app.analysis.report import analyze
from app.synth import Workload, get_demo, write_log

HOST_DEMOS = ("sev-snp-host-trace", "tdx-host-trace", "sev-snp-host-disagreement")


@pytest.mark.parametrize("name", HOST_DEMOS)
def test_host_view_matches_the_ground_truth(name: str) -> None:
    workload = get_demo(name)
    assert workload is not None and workload.host is not None
    buffer = io.BytesIO()
    truth = write_log(workload, buffer)
    assert truth.host is not None
    document = analyze(io.BytesIO(buffer.getvalue()), name=f"{name}.log")
    host = document.host
    assert host is not None and host.interleaved
    assert host.technology == workload.platform
    assert (host.to_shared, host.to_private) == (truth.host["to_shared"], truth.host["to_private"])
    assert len(host.launch) == truth.host["launch_ranges"]
    assert host.shared_pages_at_handoff == truth.host["shared_pages_at_handoff"]
    assert host.shared_pages_at_end == truth.host["shared_pages_at_end"]
    assert host.cross_check is not None
    assert host.cross_check.guest_conversions == truth.host["guest_conversions"]
    found = sorted(
        (f.id, line) for f in document.findings if f.id.startswith("HOST-") for line in f.lines
    )
    assert found == sorted(tuple(f) for f in truth.host["expected_findings"])
    assert document.source.lines == truth.total_lines
    assert {p.phase for p in host.phases} >= {"kernel"}


def test_the_disagreement_demo_injects_both_kinds() -> None:
    workload = get_demo("sev-snp-host-disagreement")
    assert workload is not None
    truth = write_log(workload, io.BytesIO())
    assert truth.host is not None
    assert sorted(rule for rule, _ in truth.host["expected_findings"]) == ["HOST-001", "HOST-002"]


def test_host_workloads_round_trip_and_are_validated() -> None:
    workload = get_demo("sev-snp-host-disagreement")
    assert workload is not None
    assert Workload.from_dict(workload.to_dict()) == workload
    data = {**workload.to_dict(), "platform": "sev-es", "edk2": "202402"}
    with pytest.raises(WorkloadError, match="only SEV-SNP and TDX"):
        Workload.from_dict(data)
    with pytest.raises(WorkloadError, match="disagreements"):
        Workload.from_dict({**workload.to_dict(), "host": {"disagreements": ["sideways"]}})
