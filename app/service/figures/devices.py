"""Bar charts of the per-device DMA statistics, and of their deltas between two boots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.analysis.document import Device
from app.service.comparison import DeviceDelta, metric
from app.service.figures.style import (
    OPERATION_COLOURS,
    Figure,
    build_layout,
    bytes_axis,
    count_axis,
    operation_family,
)


def _bar(
    title: str,
    devices: list[str],
    series: list[tuple[str, list[float], str]],
    y_title: str,
    *,
    stack: bool = False,
    unit: str = "count",
) -> Figure:
    """One bar chart; ``unit`` "count" gets integer ticks, "bytes" binary units, anything
    else plotly's automatic ticks."""
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": devices,
            "y": values,
            "marker": {"color": colour},
            "hovertemplate": "%{x}<br>" + name + ": %{y:,}<extra></extra>",
        }
        for name, values, colour in series
    ]
    layout = build_layout(
        title,
        height=280,
        barmode="stack" if stack else "group",
        showlegend=len(series) > 1,
        xaxis={"title": {"text": "device"}, "automargin": True},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero", **_value_ticks(traces, unit)},
        legend={"orientation": "h", "y": 1.14, "x": 1, "xanchor": "right"},
        margin={"l": 64, "r": 12, "t": 48, "b": 40},
    )
    return {"data": traces, "layout": layout}


def _value_ticks(traces: list[dict[str, Any]], unit: str) -> dict[str, Any]:
    columns = [list(t["y"]) for t in traces]
    top = max([0.0, *(sum(col) for col in zip(*columns, strict=True))])
    if unit == "bytes":
        return bytes_axis(top)
    return count_axis(top) if unit == "count" else {}


def build_device_figures(devices: Sequence[Device], *, seconds: bool) -> list[Figure]:
    """The bar charts of the device section, one metric each (empty list without devices)."""
    if not devices:
        return []
    names = [d.device for d in devices]
    families: dict[str, list[float]] = {}
    for i, d in enumerate(devices):
        for op, n in d.maps_by_operation.items():
            families.setdefault(operation_family(op), [0.0] * len(devices))[i] += n
    maps = [
        (fam, values, OPERATION_COLOURS.get(fam, "#495057"))
        for fam, values in sorted(families.items())
    ]
    time_title = "page·seconds" if seconds else "page·lines"
    return [
        _bar("Maps by operation", names, maps, "maps", stack=True),
        _bar(
            "Bytes mapped and bounced",
            names,
            [
                ("bytes", [d.bytes for d in devices], "#1c7ed6"),
                ("bounce bytes", [d.bounce_bytes for d in devices], "#f08c00"),
            ],
            "bytes",
            unit="bytes",
        ),
        _transitions_or_pool(devices, names),
        _bar(
            "Peak shared pages",
            names,
            [("peak shared pages", [d.peak_shared_pages for d in devices], "#e8590c")],
            "pages",
        ),
        _bar(
            "Shared page-time",
            names,
            [("shared page-time", [_page_time(d, seconds) for d in devices], "#862e9c")],
            time_title,
            unit="time",
        ),
    ]


POOL_NOTE = "no encryption transitions: pool mappings reuse pages shared once"


def _transitions_or_pool(devices: Sequence[Device], names: list[str]) -> Figure:
    """Encryption transitions per device; on a pool-mode boot (every device's count 0, since
    a pool mapping takes pages the pool made shared once) the pool and legacy maps instead,
    which is what tells a pool boot's devices apart."""
    if any(d.transitions for d in devices):
        return _bar(
            "Encryption transitions",
            names,
            [("transitions", [d.transitions for d in devices], "#d9480f")],
            "transitions",
        )
    return _bar(
        f"Pool and legacy maps ({POOL_NOTE})",
        names,
        [
            ("pool maps", [d.pool_maps for d in devices], "#1098ad"),
            ("legacy maps", [d.legacy_maps for d in devices], "#d9480f"),
        ],
        "maps",
        stack=True,
    )


def _page_time(device: Device, seconds: bool) -> float:
    return device.shared_page_seconds if seconds else device.shared_page_lines


def build_delta_figures(
    rows: Sequence[DeviceDelta], metrics: Sequence[tuple[str, str]]
) -> list[Figure]:
    """The delta figures of ``metrics`` (``(name, title)``); transitions that are 0 on both
    boots (pool mode) are replaced by the pool maps, as on the boot page."""
    figures = []
    for name, title in metrics:
        if name == "transitions" and not any(metric(r.a, name) or metric(r.b, name) for r in rows):
            name, title = "pool_maps", f"Pool maps: A vs B ({POOL_NOTE})"
        figures.append(build_delta_figure(rows, name, title))
    return figures


def build_delta_figure(rows: Sequence[DeviceDelta], name: str, title: str) -> Figure:
    """Two bars per device (boot A, boot B) for one statistic (``DEVICE_METRICS``)."""
    return _bar(
        title,
        [r.device for r in rows],
        [
            ("A", [metric(r.a, name) for r in rows], "#4c6ef5"),
            ("B", [metric(r.b, name) for r in rows], "#f76707"),
        ],
        name.replace("_", " "),
        unit="bytes" if name.endswith("bytes") else "time" if "page_" in name else "count",
    )
