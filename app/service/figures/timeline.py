"""The encryption timeline figure of a timeline window (``app.service.timeline``): shared
pages, transitions, phases, markers and a Gantt row of mapping lifetimes per device.

A pure function returning a plain JSON-able dict: the figure goes to plotly.js as JSON
anyway, and building ``plotly.graph_objects`` with validation costs more than the data they
carry (the tests validate every figure against plotly's schema instead).
"""

from __future__ import annotations

from typing import Any

from app.service.figures.style import (
    LEAK_COLOUR,
    OPERATION_COLOURS,
    PHASE_COLOURS,
    PRIVATE_COLOUR,
    SEVERITY_COLOURS,
    SHARED_COLOUR,
    Figure,
    axis_title,
    build_layout,
    count_axis,
    operation_family,
)

MAX_LANES = 6


def _phase_shapes(window: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shapes, notes = [], []
    for index, band in enumerate(window["phases"]):
        colour = PHASE_COLOURS.get(band["name"], "#adb5bd")
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": band["start"],
                "x1": band["end"],
                "y0": 0,
                "y1": 1,
                "fillcolor": colour,
                "opacity": 0.10,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        lo, hi = window["window"]
        last = index == len(window["phases"]) - 1
        if band["end"] - band["start"] < 0.03 * (hi - lo) and not last:
            continue  # too narrow to label without overlapping its neighbour
        notes.append(
            {
                "x": (band["start"] + band["end"]) / 2,
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": band["name"] if band["name"] != "ExitBootServices" else "EBS",
                "showarrow": False,
                "font": {"size": 11, "color": colour},
            }
        )
    for mark in window.get("markers", []):
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": mark["x"],
                "x1": mark["x"],
                "y0": 0,
                "y1": 1,
                "line": {"color": "#495057", "width": 1, "dash": "dot"},
            }
        )
    return shapes, notes


def assign_lanes(starts: list[float], ends: list[float], devices: list[str]) -> list[str]:
    """Gantt rows: each device gets up to ``MAX_LANES`` lanes so that spans do not overlap
    (greedy, by start); the overflow shares the last lane."""
    order = sorted(range(len(starts)), key=lambda i: (devices[i], starts[i]))
    lane_ends: dict[str, list[float]] = {}
    rows = [""] * len(starts)
    for i in order:
        ends_of = lane_ends.setdefault(devices[i], [])
        lane = next((k for k, e in enumerate(ends_of) if e < starts[i]), None)
        if lane is None:
            if len(ends_of) < MAX_LANES:
                ends_of.append(ends[i])
                lane = len(ends_of) - 1
            else:
                lane = MAX_LANES - 1
        ends_of[lane] = max(ends_of[lane], ends[i])
        rows[i] = devices[i] if lane == 0 else f"{devices[i]} ·{lane + 1}"
    return rows


def _mapping_items(spans: dict[str, Any], rows: list[str]) -> list[dict[str, Any]]:
    """What a click on a mapping bar shows (the page's selection panel): its fields and the
    lines of its map request, map result and unmap; ``lane`` and ``device`` are the Gantt
    rows of the bar with its device's track expanded and collapsed."""
    return [
        {
            "kind": "mapping",
            "device": spans["device"][i],
            "operation": spans["operation"][i],
            "pages": spans["pages"][i],
            "request_line": spans["request_line"][i],
            "map_line": spans["start_line"][i],
            "unmap_line": spans["end_line"][i],
            "live_at_ebs": spans["live_at_ebs"][i],
            "until": spans["end_line"][i] or "end (still mapped)",
            "note": "<br><b>live at ExitBootServices</b>" if spans["live_at_ebs"][i] else "",
            "lane": rows[i],
        }
        for i in range(len(rows))
    ]


def _bar_trace(
    name: str, points: dict[str, list[Any]], colour: str, width: float
) -> dict[str, Any]:
    """Horizontal bars from ``base`` (map) for ``x`` (lifetime): the whole bar takes hover and
    clicks (thin ones are drawn a pixel wide at least)."""
    return {
        "type": "bar",
        "orientation": "h",
        "name": name,
        "base": points["base"],
        "x": points["x"],
        "y": points["y"],
        "width": width,
        "customdata": points["customdata"],
        "hovertemplate": (  # from customdata: the fields are not sent twice
            "%{customdata.device} %{customdata.operation}<br>%{customdata.pages} page(s), "
            "lines %{customdata.map_line}–%{customdata.until}%{customdata.note}"
            "<extra>click: details</extra>"
        ),
        "textposition": "none",
        "marker": {"color": colour, "line": {"width": 0}},
        "xaxis": "x",
        "yaxis": "y3",
        "legendgroup": "maps",
        "meta": "mappings",
    }


def _gantt_traces(spans: dict[str, Any]) -> list[dict[str, Any]]:
    """One trace per operation family, and under them a wider red one for the mappings
    still live at ExitBootServices (drawn first, so it outlines those bars)."""
    rows = assign_lanes(spans["start"], spans["end"], spans["device"])
    items = _mapping_items(spans, rows)
    by_family: dict[str, dict[str, list[Any]]] = {}
    leaks: dict[str, list[Any]] = {"base": [], "x": [], "y": [], "customdata": []}
    for i, row in enumerate(rows):
        family = operation_family(spans["operation"][i])
        t = by_family.setdefault(family, {key: [] for key in leaks})
        for target in (t, leaks) if spans["live_at_ebs"][i] else (t,):
            target["base"].append(spans["start"][i])
            target["x"].append(spans["end"][i] - spans["start"][i])
            target["y"].append(row)
            target["customdata"].append(items[i])
    traces = []
    if leaks["x"]:
        traces.append(_bar_trace("live at ExitBootServices", leaks, LEAK_COLOUR, 0.95))
    for family in sorted(by_family):
        colour = OPERATION_COLOURS.get(family, "#495057")
        traces.append(_bar_trace(f"{family} mapping", by_family[family], colour, 0.6))
    return traces


def _transition_items(events: dict[str, Any]) -> list[dict[str, Any]]:
    """Each transition marker's fields (its hover text and the selection panel's)."""
    return [
        {
            "kind": "transition",
            "line": events["line"][i],
            "pages": events["pages"][i],
            "start": f"0x{events['start'][i]:x}",
            "to": "shared" if events["to_shared"][i] else "private",
            "module": events["module"][i],
            "device": events["device"][i],
        }
        for i in range(len(events["x"]))
    ]


def _finding_trace(findings: dict[str, Any]) -> dict[str, Any]:
    """A diamond on each finding line, coloured by severity, in its own thin row."""
    items = [
        {
            "kind": "finding",
            "id": findings["id"][i],
            "severity": findings["severity"][i],
            "title": findings["title"][i],
            "line": findings["line"][i],
            "fingerprint": findings["fingerprint"][i],
        }
        for i in range(len(findings["x"]))
    ]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "finding",
        "x": findings["x"],
        "y": ["findings"] * len(findings["x"]),
        "customdata": items,
        "text": [
            f"line {item['line']}: {item['id']} ({item['severity']})<br>{item['title']}"
            for item in items
        ],
        "hovertemplate": "%{text}<extra>click: details</extra>",
        "marker": {
            "size": 11,
            "symbol": "diamond",
            "color": [SEVERITY_COLOURS.get(s, "#495057") for s in findings["severity"]],
            "line": {"width": 1, "color": "#fff"},
        },
        "yaxis": "y4",
        "meta": "findings",
    }


def _row_axes(with_mappings: bool, window: dict[str, Any]) -> dict[str, Any]:
    """The y axes of the four rows (shared pages, findings, transitions, mappings); without
    mappings the others take the space. Pages and transitions are counts: integer ticks."""
    counts = window["counts"]
    top = max([0, *counts["to_shared"], *counts["to_private"]])
    shared = {"title": {"text": "shared pages"}, **count_axis(max([0, *window["shared"]["max"]]))}
    transitions = {"title": {"text": "transitions"}, "zeroline": True, **count_axis(top)}
    transitions.pop("rangemode")
    findings = {"type": "category", "fixedrange": True, "showgrid": False, "automargin": True}
    if not with_mappings:
        return {
            "yaxis": {**shared, "domain": [0.52, 1.0]},
            "yaxis4": {**findings, "domain": [0.41, 0.47]},
            "yaxis2": {**transitions, "domain": [0.0, 0.36]},
        }
    return {
        "yaxis": {**shared, "domain": [0.70, 1.0]},
        "yaxis4": {**findings, "domain": [0.63, 0.67]},
        "yaxis2": {**transitions, "domain": [0.44, 0.60]},
        "yaxis3": {
            "domain": [0.0, 0.40],
            "title": {"text": "mappings"},
            "type": "category",
            "automargin": True,
            "categoryorder": "category descending",
        },
    }


def _held(window: dict[str, Any]) -> dict[str, list[Any]]:
    """The shared-pages series as steps: each point's min–max band lasts one point width,
    then the level holds at the point's last value until the next point (or the window's
    end), so a quiet stretch is not drawn as a wide band."""
    shared = window["shared"]
    width = window.get("resolution") or 1.0
    end = window["window"][1]
    out: dict[str, list[Any]] = {"x": [], "min": [], "max": [], "last": []}
    xs = shared["x"]
    for i, x in enumerate(xs):
        last = shared["last"][i]
        for key, value in (("x", x), ("min", shared["min"][i]), ("max", shared["max"][i])):
            out[key].append(value)
        out["last"].append(last)
        hold = min(x + width, xs[i + 1] if i + 1 < len(xs) else end)
        if hold > x and (shared["min"][i] != last or shared["max"][i] != last or i + 1 == len(xs)):
            for key in ("min", "max", "last"):
                out[key].append(last)
            out["x"].append(hold)
    if out["x"] and out["x"][-1] < end:
        for key in ("min", "max", "last"):
            out[key].append(out[key][-1])
        out["x"].append(end)
    return out


def has_timeline_data(window: dict[str, Any]) -> bool:
    """Whether there is anything to plot: shared pages, transitions or mappings."""
    return bool(window["shared"]["x"] or window["counts"]["x"] or window["spans"]["start"])


def build_timeline_figure(
    window: dict[str, Any], *, title: str = "Shared pages, encryption transitions and mappings"
) -> Figure:
    """Shared pages (with their min–max band), transitions per bucket and mapping lifetimes
    grouped by device, on one zoomable x axis with the boot phases as bands."""
    unit = "second" if window["axis"] == "time" else "line"
    shared, counts, events = _held(window), window["counts"], window["events"]
    moves = _transition_items(events)
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "min shared pages",
            "x": shared["x"],
            "y": shared["min"],
            "line": {"width": 0, "shape": "hv", "color": SHARED_COLOUR},
            "hoverinfo": "skip",
            "showlegend": False,
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "shared pages (min–max)",
            "x": shared["x"],
            "y": shared["max"],
            "fill": "tonexty",
            "fillcolor": "rgba(217,72,15,0.18)",
            "line": {"width": 0, "shape": "hv", "color": SHARED_COLOUR},
            "hovertemplate": "max %{y} shared pages<extra></extra>",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "shared pages",
            "x": shared["x"],
            "y": shared["last"],
            "line": {"width": 2, "shape": "hv", "color": SHARED_COLOUR},
            "hovertemplate": unit + " %{x}<br>%{y} shared pages<extra></extra>",
            "yaxis": "y",
        },
        {
            "type": "bar",
            "name": "to shared",
            "x": counts["x"],
            "width": counts["width"],
            "offset": 0,
            "y": counts["to_shared"],
            "marker": {"color": SHARED_COLOUR},
            "hovertemplate": "%{y} made shared<extra></extra>",
            "yaxis": "y2",
        },
        {
            "type": "bar",
            "name": "to private",
            "x": counts["x"],
            "width": counts["width"],
            "offset": 0,
            "y": [-v for v in counts["to_private"]],
            "marker": {"color": PRIVATE_COLOUR},
            "customdata": counts["to_private"],
            "hovertemplate": "%{customdata} made private<extra></extra>",
            "yaxis": "y2",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "transition",
            "x": events["x"],
            "y": [0] * len(events["x"]),
            "customdata": moves,
            "hovertemplate": (  # from customdata: the fields are not sent twice
                "line %{customdata.line}: %{customdata.pages} page(s) at %{customdata.start}"
                " → %{customdata.to}<br>%{customdata.module} %{customdata.device}"
                "<extra>click: details</extra>"
            ),
            "marker": {
                "size": 7,
                "symbol": ["triangle-up" if up else "triangle-down" for up in events["to_shared"]],
                "color": [SHARED_COLOUR if up else PRIVATE_COLOUR for up in events["to_shared"]],
                "line": {"width": 0.5, "color": "#fff"},
            },
            "yaxis": "y2",
        },
        _finding_trace(window["findings"]),
        *_gantt_traces(window["spans"]),
    ]
    shapes, notes = _phase_shapes(window)
    spans = window["spans"]
    lanes = len(set(assign_lanes(spans["start"], spans["end"], spans["device"])))
    layout = build_layout(
        title,
        height=max(560, 420 + 22 * lanes) if lanes else 420,
        barmode="overlay",  # to-shared bars rise, to-private fall, Gantt bars carry a base
        bargap=0,
        shapes=shapes,
        annotations=notes,
        xaxis={
            "title": {"text": axis_title(window["axis"])},
            "range": window["window"],
            "anchor": "y3" if lanes else "y2",
            "showspikes": True,
            "spikemode": "across",
            "spikethickness": 1,
            "spikecolor": "#adb5bd",
            "zeroline": False,
        },
        margin={"l": 110, "r": 20, "t": 64, "b": 130},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        meta={"window": window["window"], "extent": window["extent"], "axis": window["axis"]},
        **_row_axes(bool(lanes), window),
    )
    return {"data": traces, "layout": layout}
