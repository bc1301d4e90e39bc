"""The log viewer: the raw log by ranges, with line anchors, lines coloured by the kind of
event the engine recognised in them, finding lines marked, line comments shown under their
line, and a server-side text search whose hits the page steps through (``?q=``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.analysis.document import Finding
from app.db import review_queries
from app.db.models import Boot
from app.http.deps import SessionDep, SettingsDep
from app.http.params import MAX_INT32, BootIdPath, LineQuery
from app.service.errors import Invalid
from app.service.logsearch import MAX_HITS, MAX_QUERY_CHARS, SearchQuery, SearchResult, search_log
from app.service.results import shown_findings
from app.web.access import PageError, ViewerDep, load_boot
from app.web.findings import line_comments
from app.web.log_ranges import DEFAULT_LINES, LEGEND, MAX_LINES, LogRange, hit_segments, read_range
from app.web.templating import render

router = APIRouter(include_in_schema=False)

CONTEXT_BEFORE = 150


def finding_lines(findings: Sequence[Finding]) -> dict[int, list[Finding]]:
    """``{line: [finding, ...]}`` for every line a finding points at."""
    marks: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        for line in finding.lines:
            marks[line].append(finding)
    return dict(marks)


@dataclass(frozen=True)
class Needle:
    """What the page searches for (``?q=``, ``?case=exact``)."""

    text: str
    ignore_case: bool


def needle_of(q: str | None, case: str | None) -> Needle | None:
    if q is None or not q.strip():
        return None
    if len(q) > MAX_QUERY_CHARS:
        raise PageError(400, f"The search text is longer than {MAX_QUERY_CHARS} characters.")
    return Needle(q, ignore_case=case != "exact")


def _range_context(
    session: SessionDep, boot: Boot, start: int, count: int, needle: Needle | None
) -> dict[str, Any]:
    comments = review_queries.list_comments(session, boot_id=boot.id)
    rng = read_range(session, boot, start=start, count=count)
    return {
        "boot": boot,
        "range": rng,
        "marks": finding_lines(shown_findings(session, boot)),
        "line_comments": line_comments(comments),
        "hit_text": _hit_text(rng, needle),
    }


def _hit_text(rng: LogRange, needle: Needle | None) -> dict[int, Any]:
    """``{line: segments}`` of the shown lines that hold the search text."""
    if needle is None:
        return {}
    marked = {}
    for ln in rng.lines:
        segments = hit_segments(ln.text, needle.text, ignore_case=needle.ignore_case)
        if segments:
            marked[ln.number] = segments
    return marked


def run_search(
    session: SessionDep, boot: Boot, needle: Needle, start: int, max_bytes: int
) -> SearchResult:
    """The page's search (up to ``MAX_HITS`` hits from ``start``); a refusal is a 400 page."""
    query = SearchQuery(needle.text, ignore_case=needle.ignore_case, start=start, max_hits=MAX_HITS)
    try:
        return search_log(session, boot, query, max_bytes=max_bytes)
    except Invalid as exc:
        raise PageError(400, f"Cannot search: {exc.message}.") from None


def page_number(name: str, value: str | None, *, high: int = MAX_INT32) -> int | None:
    """A query number of the page (``?line=``, ``?start=``, ``?count=``): a bad one is an
    HTML 400 page a reader understands, not the API's JSON validation detail."""
    if value is None or value == "":
        return None
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise PageError(
            400, f"?{name}= must be a whole number from 1 to {high:,}, not {value!r:.40}."
        )
    return int(value)


def window_start(line: int | None, start: int | None, count: int, total: int) -> int:
    """The first line to show: ``start``, or ``CONTEXT_BEFORE`` lines before ``line``; a line
    beyond the end opens the last window rather than a window of one line."""
    if start is not None:
        return min(start, max(1, total - count + 1))
    if line is None:
        return 1
    if line > total:
        return max(1, total - count + 1)
    return max(1, line - CONTEXT_BEFORE)


@router.get("/boots/{boot_id}/log", response_class=HTMLResponse, name="boot_log")
def boot_log(
    request: Request,
    boot_id: BootIdPath,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    line: str | None = None,
    start: str | None = None,
    count: str | None = None,
    q: str | None = None,
    case: str | None = None,
    search_from: Annotated[str | None, Query(alias="from")] = None,
) -> HTMLResponse:
    boot = load_boot(session, viewer, boot_id)
    wanted = page_number("line", line)
    size = page_number("count", count, high=MAX_LINES) or DEFAULT_LINES
    total = boot.log_lines
    needle = needle_of(q, case)
    found = None
    if needle is not None:
        begin = page_number("from", search_from) or 1
        found = run_search(session, boot, needle, begin, settings.max_log_search_bytes)
        if wanted is None and start is None and found.hits:
            wanted = found.hits[0].line  # open the window of the first hit
    first = window_start(wanted, page_number("start", start), size, total)
    context = _range_context(session, boot, first, size, needle)
    beyond = wanted is not None and wanted > total
    context.update(
        needle=needle,
        search=found,
        legend=LEGEND,
        max_query=MAX_QUERY_CHARS,
        line=min(wanted, total) if wanted else None,
        beyond_end=wanted if beyond else None,
        can_review=viewer.can_review(boot.project),
        findings=shown_findings(session, boot),
        max_lines=MAX_LINES,
    )
    return render(request, "log.html", context)


@router.get("/boots/{boot_id}/log/lines", response_class=HTMLResponse, name="boot_log_lines")
def boot_log_lines(
    request: Request,
    boot_id: BootIdPath,
    session: SessionDep,
    viewer: ViewerDep,
    start: LineQuery = 1,
    count: Annotated[int, Query(ge=1, le=MAX_LINES)] = DEFAULT_LINES,
    q: str | None = None,
    case: str | None = None,
) -> HTMLResponse:
    """A range of lines as an HTML fragment (the viewer appends it while scrolling, or puts it
    in place of the shown lines to open a search hit), search hits marked."""
    boot = load_boot(session, viewer, boot_id)
    context = _range_context(session, boot, start, count, needle_of(q, case))
    response = render(request, "_log_lines.html", context)
    rng = response.context["range"]  # type: ignore[attr-defined]
    response.headers["X-Line-Start"] = str(rng.start)
    response.headers["X-Line-End"] = str(rng.end)
    response.headers["X-Total-Lines"] = str(rng.total)
    return response
