"""The address-space map: page states over guest-physical ranges at one moment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.analysis.document import Label, Snapshot
from app.service.figures.style import MIB, STATE_COLOURS, Figure, build_layout, hex_address_axis


def build_address_space_figure(
    snapshot: Snapshot | None, labels: Sequence[Label], *, moment: str
) -> Figure:
    """Page states over guest-physical ranges at one moment, with firmware metadata ranges
    (MEMFD, GHCB, pool, ...) on their own row. Each range also gets a marker so that a
    4 KiB range stays visible on a gigabyte-wide axis."""
    ranges = snapshot.ranges if snapshot else ()
    traces: list[dict[str, Any]] = []
    for state in ("shared", "private", "unaccepted"):
        items = [r for r in ranges if r.state == state]
        if not items:
            continue
        text = [
            f"0x{r.start:x}–0x{r.end - 1:x}<br>{r.pages} page(s) {state}"
            + (f"<br>{', '.join(r.labels)}" if r.labels else "")
            for r in items
        ]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": state,
                "y": [state] * len(items),
                "base": [r.start / MIB for r in items],
                "x": [(r.end - r.start) / MIB for r in items],
                "text": text,
                "textposition": "none",
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {"color": STATE_COLOURS[state]},
                "width": 0.6,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "showlegend": False,
                "y": [state] * len(items),
                "x": [(r.start + r.end) / 2 / MIB for r in items],
                "text": text,
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {
                    "symbol": "line-ns",
                    "size": 16,
                    "line": {"width": 2, "color": STATE_COLOURS[state]},
                },
            }
        )
    if labels:
        text = [
            f"{lb.label}<br>0x{lb.start:x}–0x{lb.end - 1:x}"
            f" ({(lb.end - lb.start) // 4096} page(s), {lb.state or '?'})"
            for lb in labels
        ]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": "firmware ranges",
                "y": ["firmware"] * len(labels),
                "base": [lb.start / MIB for lb in labels],
                "x": [(lb.end - lb.start) / MIB for lb in labels],
                "text": [lb.label for lb in labels],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "hovertext": text,
                "hovertemplate": "%{hovertext}<extra></extra>",
                "marker": {"color": "#adb5bd", "line": {"color": "#495057", "width": 1}},
                "width": 0.6,
            }
        )
    bounds = [(r.start, r.end) for r in ranges] + [(lb.start, lb.end) for lb in labels]
    ticks = (
        hex_address_axis(min(b[0] for b in bounds), max(b[1] for b in bounds), scale=MIB)
        if bounds
        else {}
    )
    title = f"Address space at {moment}"
    if snapshot and snapshot.line:
        title += f" (line {snapshot.line:,})"
    layout = build_layout(
        title,
        height=300,
        barmode="overlay",
        xaxis={"title": {"text": "guest-physical address"}, "zeroline": False, **ticks},
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": ["firmware", "unaccepted", "private", "shared"],
        },
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return {"data": traces, "layout": layout}
