"""What every figure shares: palette, fonts, the base layout, axis titles.

Colours follow the page's palette (app.css), so a device or a state has one colour on every
chart of every page.
"""

from __future__ import annotations

import math
from typing import Any

MIB = 1024 * 1024
PHASE_COLOURS = {
    "SEC": "#8e99a8",
    "PEI": "#6c9bd2",
    "DXE": "#7fb77e",
    "BDS": "#e0b75a",
    "ExitBootServices": "#d46a6a",
}
STATE_COLOURS = {"shared": "#d9480f", "private": "#2f9e44", "unaccepted": "#868e96"}
OPERATION_COLOURS = {
    "Read": "#1c7ed6",
    "Write": "#f08c00",
    "CommonBuffer": "#7048e8",
}
SEVERITY_COLOURS = {  # app.css --critical ... --info
    "critical": "#a61e4d",
    "high": "#d9480f",
    "medium": "#e8a200",
    "low": "#1c7ed6",
    "info": "#6c7a89",
}
LEAK_COLOUR = "#c92a2a"  # a mapping still live at ExitBootServices
SHARED_COLOUR = "#d9480f"
PRIVATE_COLOUR = "#2f9e44"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}

Figure = dict[str, Any]


def build_layout(title: str, **extra: Any) -> dict[str, Any]:
    """The layout every figure starts from: title, font, white background, margins."""
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 70, "r": 20, "t": 48, "b": 48},
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.12, "x": 0},
    }
    layout.update(extra)
    return layout


def axis_title(kind: str) -> str:
    return "seconds since the first timestamp" if kind == "time" else "log line"


def operation_family(operation: str) -> str:
    """'CommonBuffer64' -> 'CommonBuffer', 'Read64' -> 'Read' (colours and legends)."""
    for family in OPERATION_COLOURS:
        if operation.startswith(family):
            return family
    return operation or "other"


# -- the encryption timeline --------------------------------------------------------------


# -- axes ---------------------------------------------------------------------------------

BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def _power_of_two_step(span: float, ticks: int) -> float:
    """The smallest power of two that gives at most ``ticks`` ticks over ``span``."""
    step = 1.0
    while span / step > ticks:
        step *= 2
    return step


def _tick_values(lo: float, hi: float, step: float) -> list[float]:
    first = math.floor(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 2)]


def hex_address_axis(lo: int, hi: int, *, scale: int = 1) -> dict[str, Any]:
    """Tick values (in units of ``scale`` bytes) with guest-physical addresses written in
    hex ("0x3ff4c000"), as firmware engineers read them; steps are powers of two."""
    step = _power_of_two_step(max(hi - lo, 4096), 6)
    values = [int(v) for v in _tick_values(lo, hi, step)]
    return {
        "tickmode": "array",
        "tickvals": [v / scale for v in values],
        "ticktext": [f"0x{v:x}" for v in values],
    }


def binary_size(value: float) -> str:
    """'5 GiB', '1.5 KiB', '512 B': binary units, never plotly's SI '5B' (billions)."""
    unit = 0
    while abs(value) >= 1024 and unit < len(BINARY_UNITS) - 1:
        value /= 1024
        unit += 1
    return f"{value:.3g} {BINARY_UNITS[unit]}"


def bytes_axis(top: float) -> dict[str, Any]:
    """A y axis in bytes with ticks at powers of two written in KiB/MiB/GiB."""
    step = _power_of_two_step(max(top, 1.0), 5)
    values = [v for v in _tick_values(0, max(top, 1.0), step) if v >= 0]
    return {"tickmode": "array", "tickvals": values, "ticktext": [binary_size(v) for v in values]}


def count_axis(top: float) -> dict[str, Any]:
    """A y axis of counts (pages, transitions, maps): integer ticks only."""
    axis: dict[str, Any] = {"tickformat": ",d", "rangemode": "tozero"}
    if top <= 5:
        axis["dtick"] = 1
    return axis
