"""Figure builders: real result documents in, Plotly figure JSON out."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import pytest

from app.analysis.document import Device, Label, ResultDocument, Snapshot
from app.analysis.jsondata import from_json
from app.analysis.report import analyze
from app.service.comparison import compare_devices, compare_documents, compare_findings
from app.service.figures.address_space import build_address_space_figure
from app.service.figures.devices import (
    build_delta_figure,
    build_delta_figures,
    build_device_figures,
)
from app.service.figures.style import operation_family
from app.service.figures.timeline import MAX_LANES, assign_lanes, build_timeline_figure
from app.service.timeline import build_window
from tests.web.conftest import synthesized_log
from tests.web.figures import assert_valid_figure


@pytest.fixture(scope="module")
def documents() -> dict[str, ResultDocument]:
    return {
        name: analyze(io.BytesIO(synthesized_log(name)), name=f"{name}.log")
        for name in ("sev-legacy-202211-leak", "sev-snp-pool-virtio-blk")
    }


def test_timeline_figure_has_every_layer(documents: dict[str, ResultDocument]) -> None:
    document = documents["sev-legacy-202211-leak"]
    figure = build_timeline_figure(build_window(document))
    names = {trace["name"] for trace in figure["data"]}
    assert {"shared pages", "to shared", "to private", "transition"} <= names
    assert any(name.endswith("mapping") for name in names)
    layout = figure["layout"]
    assert layout["title"]["text"] and layout["xaxis"]["title"]["text"] == "log line"
    phases = [n["text"] for n in layout["annotations"]]
    assert "DXE" in phases and "BDS" in phases
    gantt_devices = {
        y.split(" ·")[0] for t in figure["data"] if t.get("yaxis") == "y3" for y in t["y"] if y
    }
    assert gantt_devices == {d.device for d in document.devices}
    json.dumps(figure)  # plain JSON


def test_lanes_do_not_overlap_within_a_device() -> None:
    starts, ends = [0, 1, 2, 10, 0], [5, 6, 3, 12, 1]
    rows = assign_lanes(starts, ends, ["a", "a", "a", "a", "b"])
    assert rows == ["a", "a ·2", "a ·3", "a", "b"]
    many = assign_lanes([0] * 20, [1] * 20, ["x"] * 20)
    assert len(set(many)) == MAX_LANES


def test_address_space_figure_labels_firmware_ranges() -> None:
    snapshot_json = {
        "line": 90,
        "truncated": 0,
        "shared_pages": 1,
        "private_pages": 4096,
        "unaccepted_pages": 0,
        "ranges": [
            {
                "start": 0x80_0000,
                "end": 0x80_1000,
                "state": "shared",
                "pages": 1,
                "labels": ["GHCB"],
            },
            {
                "start": 0x100_0000,
                "end": 0x200_0000,
                "state": "private",
                "pages": 4096,
                "labels": [],
            },
        ],
    }
    snapshot = from_json(Snapshot, snapshot_json)
    labels = [Label(start=0x80_0000, end=0x80_2000, state="shared", label="GHCB")]
    figure = build_address_space_figure(snapshot, labels, moment="hand-off")
    rows = {trace["y"][0] for trace in figure["data"]}
    assert rows == {"shared", "private", "firmware"}
    firmware = next(t for t in figure["data"] if t.get("name") == "firmware ranges")
    assert firmware["text"] == ["GHCB"] and firmware["base"] == [8.0]
    assert "line 90" in figure["layout"]["title"]["text"]


def test_device_figures_cover_the_statistics(documents: dict[str, ResultDocument]) -> None:
    devices = documents["sev-legacy-202211-leak"].devices
    figures = build_device_figures(devices, seconds=False)
    titles = [f["layout"]["title"]["text"] for f in figures]
    assert titles == [
        "Maps by operation",
        "Bytes mapped and bounced",
        "Encryption transitions",
        "Peak shared pages",
        "Shared page-time",
    ]
    maps = figures[0]["data"]
    total = sum(sum(trace["y"]) for trace in maps)
    assert total == sum(d.maps for d in devices)
    assert build_device_figures([], seconds=False) == []


def test_operation_family_groups_widths() -> None:
    assert operation_family("CommonBuffer64") == "CommonBuffer"
    assert operation_family("Read") == "Read"
    assert operation_family("") == "other"


def test_compare_findings_by_fingerprint(documents: dict[str, ResultDocument]) -> None:
    a = documents["sev-snp-pool-virtio-blk"].findings
    b = documents["sev-legacy-202211-leak"].findings
    diff = compare_findings(a, b)
    assert {f.id for f in diff.new} >= {"IOMMU-001"}
    assert len(diff.new) + len(diff.persisting) == len(b)
    assert len(diff.fixed) + len(diff.persisting) == len(a)
    same = compare_findings(b, b)
    assert same.new == () and same.fixed == () and len(same.persisting) == len(b)


@pytest.fixture(scope="module")
def a_device(documents: dict[str, ResultDocument]) -> Device:
    return documents["sev-legacy-202211-leak"].devices[0]


def device(base: Device, name: str, **metrics: int) -> Device:
    """A device called ``name`` with the given statistics, every other one 0."""
    zero = {m: 0 for m in ("maps", "bytes", "bounce_bytes", "transitions", "peak_shared_pages")}
    return dataclasses.replace(
        base, device=name, shared_page_lines=0, shared_page_seconds=0.0, **{**zero, **metrics}
    )


def test_compare_devices_gives_deltas(a_device: Device) -> None:
    rows = compare_devices(
        [device(a_device, "blk", bytes=100, maps=2)],
        [device(a_device, "blk", bytes=40, maps=3), device(a_device, "net", bytes=7, maps=1)],
    )
    assert [r.device for r in rows] == ["blk", "net"]
    changed = {m: v for m, v in rows[0].delta.items() if v}
    assert changed == {"bytes": -60, "maps": 1}
    assert rows[1].a is None and rows[1].delta["bytes"] == 7


def test_compare_devices_pairs_a_kind_only_name_with_its_pci_address(a_device: Device) -> None:
    """An edk2-stable202211 log names "virtio-blk"; a newer one "virtio-blk 00:03.0"."""
    rows = compare_devices(
        [device(a_device, "virtio-blk", bytes=100), device(a_device, "fw-cfg", bytes=1)],
        [device(a_device, "virtio-blk 00:03.0", bytes=40), device(a_device, "fw-cfg", bytes=2)],
    )
    assert [r.device for r in rows] == ["fw-cfg", "virtio-blk 00:03.0"]
    assert {m: v for m, v in rows[1].delta.items() if v} == {"bytes": -60}
    two = compare_devices(
        [device(a_device, "virtio-net", bytes=1)],
        [
            device(a_device, "virtio-net 00:04.0", bytes=1),
            device(a_device, "virtio-net 00:05.0", bytes=1),
        ],
    )
    assert len(two) == 3  # ambiguous: which of the two is it? left unpaired


def every_figure(document: ResultDocument, other: ResultDocument) -> list[dict[str, Any]]:
    """Each builder's figures for ``document``: whole and zoomed timelines, both address-space
    moments, device charts on a line and a time axis, and deltas against ``other``."""
    space = document.address_space
    extent = build_window(document)["extent"]
    middle = (extent[0] + extent[1]) / 2
    rows = compare_documents(other, document).devices
    return [
        build_timeline_figure(build_window(document)),
        build_timeline_figure(build_window(document, start=middle, end=middle + 50), title="zoom"),
        *(
            build_address_space_figure(snapshot, space.labels, moment=moment)
            for moment, snapshot in (("handoff", space.handoff), ("end", space.end))
        ),
        build_address_space_figure(None, [], moment="nothing"),
        *build_device_figures(document.devices, seconds=False),
        *build_device_figures(document.devices, seconds=True),
        *(build_delta_figure(rows, metric, metric) for metric in ("bytes", "transitions")),
    ]


def test_every_figure_is_valid_plotly_of_the_vendored_basic_bundle(
    documents: dict[str, ResultDocument],
) -> None:
    """Each figure passes ``plotly.graph_objects.Figure`` (plotly's schema) and uses only
    the trace types of static/vendor's basic plotly.js bundle."""
    first, second = documents.values()
    for document, other in ((first, second), (second, first)):
        figures = every_figure(document, other)
        assert len(figures) >= 10
        for figure in figures:
            assert_valid_figure(figure)


def test_the_schema_check_catches_a_wrong_property() -> None:
    figure = build_address_space_figure(None, [], moment="x")
    figure["layout"]["xaxis"]["titel"] = "typo"
    with pytest.raises(ValueError, match="titel"):
        assert_valid_figure(figure)
    figure = build_address_space_figure(None, [], moment="x")
    figure["data"] = [{"type": "heatmap", "z": [[1]]}]
    with pytest.raises(AssertionError, match="heatmap"):
        assert_valid_figure(figure)


def test_transition_bars_are_one_bucket_wide(documents: dict[str, ResultDocument]) -> None:
    """A few bars on a long boot keep their bucket's width in data units (plotly's automatic
    width would stretch them into solid blocks reading as continuous conversion)."""
    document = documents["sev-legacy-202211-leak"]
    window = build_window(document, points=50)
    lo, hi = window["window"]
    bucket = max(
        (hi - lo) / window["points"], document.timeline.transitions.per_bucket.bucket_lines
    )
    figure = build_timeline_figure(window)
    bars = [t for t in figure["data"] if t["name"] in ("to shared", "to private")]
    assert len(bars) == 2 and window["counts"]["x"]
    for bar in bars:
        assert bar["width"] == pytest.approx(bucket) and bar["offset"] == 0
        assert bar["width"] < (hi - lo) / 10
    assert_valid_figure(figure)


def test_axes_read_as_firmware_engineers_read_them() -> None:
    """Addresses in hex, bytes in binary units, counts with integer ticks only."""
    from app.service.figures.style import binary_size, bytes_axis, count_axis, hex_address_axis

    ticks = hex_address_axis(0x3FF4C000, 0x3FF60000, scale=1024 * 1024)
    assert "0x3ff4c000" in ticks["ticktext"] or "0x3ff40000" in ticks["ticktext"]
    assert all(text.startswith("0x") for text in ticks["ticktext"])
    assert ticks["tickvals"] == [int(t, 16) / (1024 * 1024) for t in ticks["ticktext"]]
    assert binary_size(5 * 1024**3) == "5 GiB" and binary_size(1536) == "1.5 KiB"
    axis = bytes_axis(5 * 1024**3)
    assert "4 GiB" in axis["ticktext"] and not any(t.endswith("GB") for t in axis["ticktext"])
    assert count_axis(2) == {"tickformat": ",d", "rangemode": "tozero", "dtick": 1}


def test_device_charts_tick_bytes_in_binary_units_and_counts_as_integers(
    documents: dict[str, ResultDocument],
) -> None:
    document = documents["sev-snp-pool-virtio-blk"]
    figures = {
        f["layout"]["title"]["text"]: f
        for f in build_device_figures(document.devices, seconds=False)
    }
    bytes_ticks = figures["Bytes mapped and bounced"]["layout"]["yaxis"]["ticktext"]
    assert any(t.endswith("iB") for t in bytes_ticks), bytes_ticks
    for title in ("Maps by operation", "Peak shared pages"):
        assert figures[title]["layout"]["yaxis"]["tickformat"] == ",d"
    for figure in figures.values():
        assert_valid_figure(figure)


def test_pool_mode_boot_shows_pool_maps_instead_of_zero_transitions(
    documents: dict[str, ResultDocument],
) -> None:
    """A pool-mode boot transitions no pages per mapping (the pool was shared once): an
    all-zero "Encryption transitions" chart says nothing, the pool/legacy split does."""
    devices = documents["sev-snp-pool-virtio-blk"].devices
    assert devices and not any(d.transitions for d in devices)
    titles = [f["layout"]["title"]["text"] for f in build_device_figures(devices, seconds=False)]
    assert "Encryption transitions" not in titles
    (pool,) = [
        f
        for f in build_device_figures(devices, seconds=False)
        if "Pool" in f["layout"]["title"]["text"]
    ]
    assert sum(pool["data"][0]["y"]) == sum(d.pool_maps for d in devices) > 0
    rows = compare_devices(devices, devices)
    figures = build_delta_figures(rows, [("transitions", "Encryption transitions: A vs B")])
    assert figures[0]["layout"]["title"]["text"].startswith("Pool maps: A vs B")
    assert sum(figures[0]["data"][0]["y"]) == sum(d.pool_maps for d in devices)


def test_compare_aligns_timelines_by_phase(documents: dict[str, ResultDocument]) -> None:
    """Without timestamps on both boots each phase gets the same width on both figures: DXE
    of boot A sits above DXE of boot B, whatever their line numbers."""
    from app.service.figures.alignment import align_by_phase, common_phases, phase_mapping

    windows = [build_window(documents[name]) for name in documents]
    slots = common_phases(*windows)
    assert ("DXE", 0) in slots and slots.index(("DXE", 0)) < slots.index(("BDS", 0))
    dxe_lines = []
    bands = []
    for window in windows:
        dxe_lines.append(next(b["start"] for b in window["phases"] if b["name"] == "DXE"))
        figure = build_timeline_figure(window)
        align_by_phase(figure, phase_mapping(window, slots), slots)
        assert_valid_figure(figure)
        assert figure["layout"]["xaxis"]["range"] == [0, len(slots)]
        shapes = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
        bands.append(sorted((s["x0"], s["x1"]) for s in shapes))
        xs = [x for t in figure["data"] for x in t["x"] if x is not None]
        assert xs and all(0 <= x <= len(slots) for x in xs)
    dxe = float(slots.index(("DXE", 0)))
    for window_bands in bands:
        assert (dxe, dxe + 1) in [(pytest.approx(a), pytest.approx(b)) for a, b in window_bands]
    assert dxe_lines[0] != dxe_lines[1]  # the lines differ; the aligned bands do not


def test_phase_aligned_hover_keeps_the_log_line(documents: dict[str, ResultDocument]) -> None:
    from app.service.figures.alignment import align_by_phase, common_phases, phase_mapping

    window = build_window(documents["sev-legacy-202211-leak"])
    figure = build_timeline_figure(window)
    original = next(t for t in figure["data"] if t["name"] == "shared pages")["x"][:]
    slots = common_phases(window)
    align_by_phase(figure, phase_mapping(window, slots), slots)
    shared = next(t for t in figure["data"] if t["name"] == "shared pages")
    assert shared["customdata"] == original and "%{customdata}" in shared["hovertemplate"]
    assert_valid_figure(figure)


def test_phase_alignment_moves_mapping_bars_end_to_end(
    documents: dict[str, ResultDocument],
) -> None:
    """A Gantt bar is ``base`` + length ``x``: both of its ends land on their phase units."""
    from app.service.figures.alignment import align_by_phase, common_phases, phase_mapping

    window = build_window(documents["sev-legacy-202211-leak"])
    figure = build_timeline_figure(window)
    bars = [t for t in figure["data"] if t.get("orientation") == "h"]
    ends = [(b, b + x) for t in bars for b, x in zip(t["base"], t["x"], strict=True)]
    slots = common_phases(window)
    to_phase = phase_mapping(window, slots)
    align_by_phase(figure, to_phase, slots)
    aligned = [t for t in figure["data"] if t.get("orientation") == "h"]
    got = [(b, b + x) for t in aligned for b, x in zip(t["base"], t["x"], strict=True)]
    assert got == [(pytest.approx(to_phase(a)), pytest.approx(to_phase(b))) for a, b in ends]
    assert got and all(0 <= a <= b <= len(slots) for a, b in got)
