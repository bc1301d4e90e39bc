"""Findings as the pages show them: the engine's findings plus what the team said.

Each finding of the result document gets its review status (open unless set), whether the
project knows it (a *known issue*: listed apart, still counted) and its comments. All joins
are by fingerprint, so they survive re-analysis.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from app.analysis.model import Severity
from app.db.review import Comment, FindingStatus, KnownIssue

MAX_LINK_LINES = 12


@dataclass
class ReviewedFinding:
    data: dict[str, Any]
    status: str = "open"
    status_by: str | None = None
    known: KnownIssue | None = None
    comments: list[Comment] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return str(self.data["fingerprint"])

    @property
    def first_line(self) -> int | None:
        lines = self.data.get("lines") or []
        return int(lines[0]) if lines else None

    @property
    def shown_lines(self) -> list[int]:
        return list(self.data.get("lines") or [])[:MAX_LINK_LINES]

    @property
    def more_lines(self) -> int:
        return max(0, len(self.data.get("lines") or []) - MAX_LINK_LINES)


def severity_order(finding: dict[str, Any]) -> tuple[int, str]:
    try:
        rank = int(Severity.parse(str(finding.get("severity", "info"))))
    except ValueError:
        rank = -1
    return (-rank, str(finding.get("id", "")))


def review_findings(
    findings: list[dict[str, Any]],
    statuses: dict[str, FindingStatus],
    known: dict[str, KnownIssue],
    comments: list[Comment],
) -> tuple[list[ReviewedFinding], list[ReviewedFinding]]:
    """(active findings, known issues), each worst first."""
    by_fingerprint: dict[str, list[Comment]] = defaultdict(list)
    for comment in comments:
        if comment.fingerprint:
            by_fingerprint[comment.fingerprint].append(comment)
    active: list[ReviewedFinding] = []
    suppressed: list[ReviewedFinding] = []
    for data in sorted(findings, key=severity_order):
        fp = str(data.get("fingerprint"))
        row = statuses.get(fp)
        item = ReviewedFinding(
            data=data,
            status=row.status if row else "open",
            status_by=row.author if row else None,
            known=known.get(fp),
            comments=by_fingerprint.get(fp, []),
        )
        (suppressed if item.known else active).append(item)
    return active, suppressed


def line_comments(comments: list[Comment]) -> dict[int, list[Comment]]:
    out: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        if comment.line is not None and not comment.fingerprint:
            out[comment.line].append(comment)
    return dict(out)


def boot_comments(comments: list[Comment]) -> list[Comment]:
    return [c for c in comments if c.line is None and not c.fingerprint]


def firmware_summary(document: dict[str, Any], metadata: dict[str, Any] | None) -> dict[str, Any]:
    """Flavour and version when something tells us: the image, the upload's metadata, or
    the synthesizer's header (edk2 tag)."""
    firmware = document.get("firmware") or {}
    summary: dict[str, Any] = {
        "flavour": firmware.get("flavour"),
        "image": (firmware.get("identity") or {}).get("name"),
        "version": None,
    }
    for key in ("version", "edk2", "edk2_version", "build"):
        if metadata and metadata.get(key):
            summary["version"] = str(metadata[key])
            break
    header = (document.get("source") or {}).get("synthesized_header") or ""
    if summary["version"] is None and '"edk2":"' in header:
        tag = header.split('"edk2":"', 1)[1].split('"', 1)[0]
        summary["version"] = f"edk2-stable{tag}" if tag.isdigit() else tag
    return summary
