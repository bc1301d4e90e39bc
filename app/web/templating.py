"""The Jinja environment of the pages: autoescaping everywhere, and the filters they use.

Log text, boot names and comments are data typed by strangers, so every template is
autoescaped and no filter returns ``Markup`` built from its input. Figures go into pages as
JSON inside ``<script type="application/json">`` blocks through ``tojson``, which escapes
``<``, ``>`` and ``&``, so a log line cannot close the script element.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.resources import static_dir, templates_dir

TEMPLATES_DIR = templates_dir()
STATIC_DIR = static_dir()
PLOTLY_JS = next(iter(sorted((STATIC_DIR / "vendor").glob("plotly-*.min.js"))), None)
SEVERITIES = ("critical", "high", "medium", "low", "info")


def format_bytes(value: int | float | None) -> str:
    """1536 -> '1.5 KiB'; binary units, because page and DMA sizes are powers of two."""
    if value is None:
        return "–"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def format_number(value: int | float | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def format_hex(value: int | None) -> str:
    return "–" if value is None else f"0x{value:x}"


def format_time(value: datetime | None) -> str:
    """UTC, to the minute: reviewers in several time zones read the same string."""
    if value is None:
        return "–"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_ago(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = (datetime.now(UTC) - value.astimezone(UTC)).total_seconds()
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def query_with(params: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    env = templates.env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        bytes=format_bytes,
        number=format_number,
        hex=format_hex,
        utc=format_time,
        ago=format_ago,
    )
    env.globals.update(
        severities=SEVERITIES,
        query_with=query_with,
        plotly_js=f"vendor/{PLOTLY_JS.name}" if PLOTLY_JS else None,
    )
    return templates


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render ``name`` with the page context every template relies on (viewer, CSRF)."""
    templates: Jinja2Templates = request.app.state.web_templates
    base = {"viewer": getattr(request.state, "viewer", None)}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
