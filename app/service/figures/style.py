"""What every figure shares: palette, fonts, the base layout, axis titles.

Colours follow the page's palette (app.css), so a device or a state has one colour on every
chart of every page.
"""

from __future__ import annotations

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
