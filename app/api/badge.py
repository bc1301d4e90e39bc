"""A status badge as SVG (the flat style shields.io made common): "cvmreview | pass".

Drawn here, from text widths estimated per character (no font metrics needed for a label of
a few words); the colours say pass (green), fail (red), pending or no boot yet (grey).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "pending": "#757575", "none": "#757575"}
CHAR_WIDTH = 6.6  # px per character of 11 px Verdana, close enough for short labels
PADDING = 10


def badge_svg(label: str, message: str) -> str:
    left = round(len(label) * CHAR_WIDTH + PADDING)
    right = round(len(message) * CHAR_WIDTH + PADDING)
    width = left + right
    colour = COLOURS.get(message, COLOURS["none"])
    label_text, message_text = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label_text}: {message_text}">'
        f"<title>{label_text}: {message_text}</title>"
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        'font-size="11">'
        f'<text x="{left / 2}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2}" y="14">{message_text}</text>'
        "</g></svg>"
    )
