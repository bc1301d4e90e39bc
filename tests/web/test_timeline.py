"""Timeline windows: the right data for the window, bounded whatever the boot's size."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from app.analysis.document import ResultDocument
from app.analysis.report import analyze
from app.service.timeline import (
    MAX_EVENTS,
    MAX_FINDING_MARKS,
    MAX_SPANS,
    build_axis,
    build_window,
)
from tests.web.conftest import synthesized_log


@pytest.fixture(scope="module")
def leak_document() -> ResultDocument:
    return analyze(io.BytesIO(synthesized_log("sev-legacy-202211-leak")), name="leak.log")


def _merge(data: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            _merge(data[key], value)
        else:
            data[key] = value


def document_with(base: ResultDocument, changes: dict[str, Any]) -> ResultDocument:
    """``base`` with some sections replaced (given as JSON), read back as a typed document."""
    data = base.to_dict()
    _merge(data, changes)
    return ResultDocument.from_dict(data)


def huge_document(base: ResultDocument, lines: int = 50_000_000) -> ResultDocument:
    """A result document at the engine's caps (1000 buckets, 500 transitions, 2 x 2000
    lifetimes), as a boot with tens of millions of lines produces."""
    width = lines // 1000
    points = [
        {
            "line": i * width + 1,
            "end_line": (i + 1) * width,
            "time": None,
            "min": i % 7,
            "max": 50 + i % 13,
            "last": 20 + i % 5,
        }
        for i in range(1000)
    ]
    first = [
        {
            "line": 100 + i,
            "time": None,
            "start": 0x1000 * i,
            "end": 0x1000 * (i + 1),
            "pages": 1,
            "to_shared": i % 2 == 0,
            "module": "IoMmuDxe",
            "source": "logged",
            "device": "virtio-blk",
        }
        for i in range(500)
    ]
    spans = [
        {
            "device": f"dev-{i % 9}",
            "operation": "Read",
            "start_line": i * 10_000,
            "end_line": i * 10_000 + 5_000,
            "start_time": None,
            "end_time": None,
            "pages": 2,
            "request_line": None,
            "mapping": None,
        }
        for i in range(4000)
    ]
    phase = {"name": "DXE", "first_line": 1, "last_line": lines}
    changes = {
        "source": {"lines": lines, "has_timestamps": False},
        "phases": [{**phase, "start_time": None, "end_time": None}],
        "timeline": {
            "shared_pages": {"bucket_lines": width, "points": points},
            "transitions": {
                "first": first,
                "dropped": 2_000_000,
                "per_bucket": {
                    "bucket_lines": width,
                    "buckets": [
                        {"line": i * width + 1, "count": 4000, "pages": 4000, "to_shared": 2000}
                        for i in range(1000)
                    ],
                },
            },
            "lifetimes": {"long_lived": spans[:2000], "sampled": spans[2000:]},
        },
        "boot": {"exit_boot_services_line": lines - 200},
        "iommu": {"handoff_line": lines - 100},
    }
    return document_with(base, changes)


def test_window_whole_boot_matches_engine_series(leak_document: ResultDocument) -> None:
    window = build_window(leak_document, points=4000)
    assert window["axis"] == "line"
    ebs, handoff = (
        leak_document.boot.exit_boot_services_line,
        leak_document.iommu.handoff_line,
    )
    assert [(m["label"], m["line"]) for m in window["markers"]] == [
        ("ExitBootServices", ebs),
        ("hand-off", handoff),
    ]
    stored = leak_document.timeline.shared_pages.points
    assert window["shared"]["max"] == [p.max for p in stored]
    assert max(window["shared"]["max"]) == leak_document.iommu.peak_shared_pages
    counts = window["counts"]
    total = sum(counts["to_shared"]) + sum(counts["to_private"])
    assert total == leak_document.timeline.transitions.total
    assert [b["name"] for b in window["phases"]][-1] == "ExitBootServices"


def test_window_zoom_keeps_only_the_window(leak_document: ResultDocument) -> None:
    window = build_window(leak_document, start=2100, end=2300, points=100)
    assert window["window"] == [2100, 2300]
    xs = window["shared"]["x"]
    assert xs and all(2100 <= x <= 2300 for x in xs)
    assert all(2100 <= x <= 2300 for x in window["events"]["x"])
    spans = window["spans"]
    assert all(e >= 2100 and s <= 2300 for s, e in zip(spans["start"], spans["end"], strict=True))
    assert 0 < len(window["counts"]["x"]) <= 100


def test_window_opens_at_the_level_before_it(leak_document: ResultDocument) -> None:
    points = leak_document.timeline.shared_pages.points
    before = [p for p in points if p.line < 2500][-1].last
    window = build_window(leak_document, start=2500, end=2600)
    assert window["shared"]["x"][0] == 2500
    assert window["shared"]["last"][0] == before


def test_window_merges_to_requested_points_keeping_spikes(leak_document: ResultDocument) -> None:
    document = huge_document(leak_document)
    window = build_window(document, points=50)
    assert len(window["shared"]["x"]) <= 50
    assert max(window["shared"]["max"]) == 62  # 50 + 12: the highest spike survives
    assert min(window["shared"]["min"]) == 0


def test_window_of_a_huge_boot_stays_small(leak_document: ResultDocument) -> None:
    document = huge_document(leak_document)
    window = build_window(document, points=4000)
    assert len(window["events"]["x"]) <= MAX_EVENTS
    assert window["spans"]["shown"] <= MAX_SPANS < window["spans"]["in_window"]
    size = len(json.dumps(window))
    assert size < 2 * 1024 * 1024, size


def test_window_bad_bounds_fall_back_to_the_whole_boot(leak_document: ResultDocument) -> None:
    full = build_window(leak_document)
    assert build_window(leak_document, start=5000, end=10)["window"] == full["window"]
    assert build_window(leak_document, start=-50, end=1e12)["window"] == full["window"]


def test_axis_uses_seconds_when_the_log_has_timestamps(leak_document: ResultDocument) -> None:
    changes = {
        "source": {"lines": 100, "has_timestamps": True},
        "phases": [
            {"name": "SEC", "first_line": 1, "last_line": 40, "start_time": 0.0, "end_time": 1.0},
            {"name": "DXE", "first_line": 41, "last_line": 100, "start_time": 1.0, "end_time": 3.0},
        ],
        "timeline": {
            "shared_pages": {
                "points": [{"line": 70, "end_line": 70, "time": 2.0, "min": 1, "max": 1, "last": 1}]
            },
            "transitions": {"first": [], "per_bucket": {"buckets": []}},
            "lifetimes": {"long_lived": [], "sampled": []},
        },
        "boot": {"exit_boot_services_line": 90},
        "iommu": {"handoff_line": None},
    }
    document = document_with(leak_document, changes)
    axis = build_axis(document)
    assert axis.kind == "time"
    assert axis.at(70) == 2.0
    assert axis.at(85) == pytest.approx(2.5)
    window = build_window(document)
    assert window["axis"] == "time"
    assert window["extent"] == [0.0, 3.0]
    assert window["shared"]["x"] == [2.0]
    assert [m["label"] for m in window["markers"]] == ["ExitBootServices"]


def test_window_marks_finding_lines_and_mappings_live_at_ebs(
    leak_document: ResultDocument,
) -> None:
    window = build_window(leak_document)
    lines = sorted({line for f in leak_document.findings for line in f.lines})
    assert window["findings"]["line"] == lines == window["findings"]["x"] != []
    ebs = leak_document.boot.exit_boot_services_line
    spans = window["spans"]
    live = [
        spans["request_line"][i]
        for i in range(spans["shown"])
        if spans["start_line"][i] < ebs and (spans["end_line"][i] or ebs + 1) > ebs
    ]
    assert [
        r for r, flag in zip(spans["request_line"], spans["live_at_ebs"], strict=True) if flag
    ] == live
    assert len(live) == leak_document.iommu.live_at_ebs > 0
    zoomed = build_window(leak_document, start=1, end=lines[0] - 1)
    assert zoomed["findings"]["line"] == [] and zoomed["findings"]["in_window"] == 0


def test_finding_marks_are_bounded_worst_first(leak_document: ResultDocument) -> None:
    data = leak_document.to_dict()
    low = {**data["findings"][0], "severity": "low", "lines": list(range(1, 3001))}
    data["findings"] = [low, *data["findings"]]
    window = build_window(ResultDocument.from_dict(data))
    marks = window["findings"]
    assert marks["shown"] == MAX_FINDING_MARKS < marks["in_window"]
    high = [f.lines[0] for f in leak_document.findings if f.severity == "medium"]
    assert set(high) <= set(marks["line"])  # the medium finding beats the 3,000 low lines
    assert marks["line"] == sorted(marks["line"])
