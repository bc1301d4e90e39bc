"""The host track of the boot page: shared pages over the trace's seconds as QEMU saw them
(``kvm_convert_memory``), conversions per second, and the phase each conversion fell in.

A plain JSON-able dict like the other figures (``timeline``); the x axis is seconds on the
host's clock when the trace has one, else the capture's line numbers.
"""

from __future__ import annotations

from typing import Any

from app.analysis.document import ResultDocument
from app.analysis.host.document import Conversion, HostSection
from app.service.figures.style import (
    PHASE_COLOURS,
    PRIVATE_COLOUR,
    SHARED_COLOUR,
    Figure,
    build_layout,
)

KERNEL_COLOUR = "#495057"


def _x(conversion: Conversion, seconds: bool) -> float:
    if seconds and conversion.seconds is not None:
        return conversion.seconds
    return float(conversion.line)


def build_host_figure(host: HostSection) -> Figure | None:
    """The figure, or None when the trace has no conversions to draw."""
    conversions = host.conversions
    if not conversions:
        return None
    seconds = all(c.seconds is not None for c in conversions)
    xs = [_x(c, seconds) for c in conversions]
    data: list[dict[str, object]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv", "color": SHARED_COLOUR, "width": 2},
            "name": "shared pages (host)",
            "x": xs,
            "y": [c.shared_pages_after for c in conversions],
            "hovertemplate": "%{y:,} shared pages<extra></extra>",
        },
        _marks(conversions, xs, to_private=False),
        _marks(conversions, xs, to_private=True),
    ]
    if seconds and host.per_second:
        data.append(
            {
                "type": "bar",
                "name": "conversions per second",
                "x": [s.second + 0.5 for s in host.per_second],
                "y": [s.to_shared + s.to_private for s in host.per_second],
                "yaxis": "y2",
                "marker": {"color": "#adb5bd"},
                "opacity": 0.5,
                "hovertemplate": "%{y} conversions<extra></extra>",
            }
        )
    layout = build_layout(
        "Host view: shared pages as QEMU converted them",
        xaxis={"title": {"text": "seconds (host trace)" if seconds else "capture line"}},
        yaxis={"title": {"text": "shared pages"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "conversions / s"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
        shapes=_phase_bands(conversions, xs),
        barmode="overlay",
    )
    return {"data": data, "layout": layout}


def _marks(
    conversions: tuple[Conversion, ...], xs: list[float], *, to_private: bool
) -> dict[str, Any]:
    chosen = [i for i, c in enumerate(conversions) if c.to_private is to_private]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "to private" if to_private else "to shared",
        "marker": {"color": PRIVATE_COLOUR if to_private else SHARED_COLOUR, "size": 6},
        "x": [xs[i] for i in chosen],
        "y": [conversions[i].shared_pages_after for i in chosen],
        "customdata": [
            [f"{conversions[i].start:#x}", conversions[i].size // 4096, conversions[i].phase]
            for i in chosen
        ],
        "hovertemplate": "%{customdata[0]} (%{customdata[1]} pages) in %{customdata[2]}"
        "<extra></extra>",
    }


def _phase_bands(conversions: tuple[Conversion, ...], xs: list[float]) -> list[dict[str, Any]]:
    """One band per run of conversions in the same phase."""
    bands: list[dict[str, Any]] = []
    start = 0
    for index in range(1, len(conversions) + 1):
        if index < len(conversions) and conversions[index].phase == conversions[start].phase:
            continue
        phase = conversions[start].phase
        bands.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": xs[start],
                "x1": xs[index - 1] if index - 1 > start else xs[start] + 1e-3,
                "y0": 0,
                "y1": 1,
                "fillcolor": PHASE_COLOURS.get(phase, KERNEL_COLOUR),
                "opacity": 0.10,
                "line": {"width": 0},
                "layer": "below",
                "name": phase,
            }
        )
        start = index
    return bands


def host_view(document: ResultDocument) -> dict[str, Any]:
    """The page context of the host track: ``host`` and ``host_figure``, both None when the
    result has no host section."""
    host = document.host
    return {"host": host, "host_figure": None if host is None else build_host_figure(host)}
