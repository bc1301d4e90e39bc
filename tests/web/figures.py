"""Checking figures against plotly's own schema, wherever they are built or embedded.

The builders (``app.service.figures``) return plain dicts for speed, so nothing at run time
checks them; ``plotly.graph_objects.Figure(figure)`` validates every trace and layout property
(names, types, enumerations) and raises ``ValueError`` on anything plotly.js would not know.
plotly (the Python package) is a test dependency only: the pages load plotly.js from
static/vendor.
"""

from __future__ import annotations

import json
import re
from typing import Any

import plotly.graph_objects as go

# static/vendor ships plotly.js's "basic" partial bundle: another trace type renders blank.
BASIC_BUNDLE_TRACES = {"scatter", "bar", "pie"}
EMBEDDED = re.compile(
    r'<script type="application/json" id="([\w-]+-plot[\w-]*-data)">(.*?)</script>'
)


def assert_valid_figure(figure: dict[str, Any]) -> None:
    """Valid under plotly's schema, plain JSON, and drawable by the vendored bundle."""
    json.dumps(figure, allow_nan=False)
    go.Figure(figure)
    types = {trace.get("type", "scatter") for trace in figure["data"]}
    assert types <= BASIC_BUNDLE_TRACES, types


def embedded_figures(html: str) -> dict[str, dict[str, Any]]:
    """``{element id: figure}`` for every figure a page embeds (``_macros.html``)."""
    return {match[1]: json.loads(match[2]) for match in EMBEDDED.finditer(html)}
