"""Findings as the pages show them: the engine's findings plus what the team said.

Each finding of the result document gets its review status (open unless set), whether the
project knows it (a *known issue*: listed apart, still counted) and its comments. All joins
are by fingerprint, so they survive re-analysis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.analysis.document import Finding, ResultDocument
from app.analysis.model import Severity
from app.db.review import Comment, FindingStatus, KnownIssue

MAX_LINK_LINES = 12


@dataclass
class ReviewedFinding:
    finding: Finding
    status: str = "open"
    status_by: str | None = None
    known: KnownIssue | None = None
    comments: list[Comment] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return self.finding.fingerprint

    @property
    def first_line(self) -> int | None:
        return self.finding.lines[0] if self.finding.lines else None

    @property
    def shown_lines(self) -> list[int]:
        return list(self.finding.lines[:MAX_LINK_LINES])

    @property
    def more_lines(self) -> int:
        return max(0, len(self.finding.lines) - MAX_LINK_LINES)


def severity_order(finding: Finding) -> tuple[int, str]:
    try:
        rank = int(Severity.parse(finding.severity))
    except ValueError:
        rank = -1
    return (-rank, finding.id)


def review_findings(
    findings: Sequence[Finding],
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
    for finding in sorted(findings, key=severity_order):
        fp = finding.fingerprint
        row = statuses.get(fp)
        item = ReviewedFinding(
            finding=finding,
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


@dataclass(frozen=True)
class FirmwareSummary:
    flavour: str | None
    image: str | None
    version: str | None


def firmware_summary(
    document: ResultDocument, metadata: Mapping[str, Any] | None
) -> FirmwareSummary:
    """Flavour and version when something tells us: the image, the upload's metadata, or
    the synthesizer's header (edk2 tag). The document's ``firmware`` section is the engine's
    free-form JSON (``FirmwareReport.to_dict()``), hence the lookups by key."""
    firmware = document.firmware or {}
    identity = firmware.get("identity") or {}
    return FirmwareSummary(
        flavour=firmware.get("flavour"),
        image=identity.get("name"),
        version=_metadata_version(metadata) or _header_version(document.source.synthesized_header),
    )


def _metadata_version(metadata: Mapping[str, Any] | None) -> str | None:
    for key in ("version", "edk2", "edk2_version", "build"):
        if metadata and metadata.get(key):
            return str(metadata[key])
    return None


def _header_version(header: str | None) -> str | None:
    """The edk2 tag the synthesizer wrote into its header line."""
    if not header or '"edk2":"' not in header:
        return None
    tag = header.split('"edk2":"', 1)[1].split('"', 1)[0]
    return f"edk2-stable{tag}" if tag.isdigit() else tag
