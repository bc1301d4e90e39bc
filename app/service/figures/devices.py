"""Bar charts of the per-device DMA statistics, and of their deltas between two boots."""

from __future__ import annotations

from typing import Any

from app.service.figures.style import OPERATION_COLOURS, Figure, build_layout, operation_family


def _bar(
    title: str,
    devices: list[str],
    series: list[tuple[str, list[float], str]],
    y_title: str,
    *,
    stack: bool = False,
) -> Figure:
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
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
        legend={"orientation": "h", "y": 1.14, "x": 1, "xanchor": "right"},
        margin={"l": 64, "r": 12, "t": 48, "b": 40},
    )
    return {"data": traces, "layout": layout}


def build_device_figures(devices: list[dict[str, Any]], *, seconds: bool) -> list[Figure]:
    """The bar charts of the device section, one metric each (empty list without devices)."""
    if not devices:
        return []
    names = [d["device"] for d in devices]
    families: dict[str, list[float]] = {}
    for i, d in enumerate(devices):
        for op, n in (d.get("maps_by_operation") or {}).items():
            families.setdefault(operation_family(op), [0.0] * len(devices))[i] += n
    maps = [
        (fam, values, OPERATION_COLOURS.get(fam, "#495057"))
        for fam, values in sorted(families.items())
    ]
    time_key = "shared_page_seconds" if seconds else "shared_page_lines"
    time_title = "page·seconds" if seconds else "page·lines"
    return [
        _bar("Maps by operation", names, maps, "maps", stack=True),
        _bar(
            "Bytes mapped and bounced",
            names,
            [
                ("bytes", [d.get("bytes", 0) for d in devices], "#1c7ed6"),
                ("bounce bytes", [d.get("bounce_bytes", 0) for d in devices], "#f08c00"),
            ],
            "bytes",
        ),
        _bar(
            "Encryption transitions",
            names,
            [("transitions", [d.get("transitions", 0) for d in devices], "#d9480f")],
            "transitions",
        ),
        _bar(
            "Peak shared pages",
            names,
            [("peak shared pages", [d.get("peak_shared_pages", 0) for d in devices], "#e8590c")],
            "pages",
        ),
        _bar(
            "Shared page-time",
            names,
            [("shared page-time", [d.get(time_key) or 0 for d in devices], "#862e9c")],
            time_title,
        ),
    ]


def build_delta_figure(rows: list[dict[str, Any]], metric: str, title: str) -> Figure:
    """Two bars per device (boot A, boot B) for one statistic of the comparison."""
    names = [r["device"] for r in rows]
    return _bar(
        title,
        names,
        [
            ("A", [r["a"].get(metric, 0) if r["a"] else 0 for r in rows], "#4c6ef5"),
            ("B", [r["b"].get(metric, 0) if r["b"] else 0 for r in rows], "#f76707"),
        ],
        metric.replace("_", " "),
    )
