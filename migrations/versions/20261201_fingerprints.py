"""fingerprints version 2: move the team's triage from version-1 fingerprints to version 2

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:30:00+00:00

Version 2 (``app.analysis.fingerprint``) wildcards addresses and numbers in a finding's key, so
findings that differed only by an address now share one fingerprint. Without this migration a
known issue, a status or a comment keyed by a version-1 fingerprint would silently stop
applying (the engine emits only version 2 from now on).

The mapping comes from the stored ``findings`` rows, which keep each finding's rule ID, key and
fingerprint: the rule version a version-1 fingerprint was made with is found by recomputing it,
then the version-2 fingerprint of the same rule, version and key is its new name. Triage rows
whose fingerprint no stored finding explains are left as they are.

When two old fingerprints merge into one new one, all triage is kept:
- ``known_issues`` (one per project and fingerprint): the oldest row stays, and carries the
  notes of all merged rows (distinct ones, oldest first, one per paragraph);
- ``finding_statuses`` (one per boot and fingerprint): the strongest status stays, in the order
  false-positive > acknowledged > fixed > open (a false positive of either finding still
  triages the merged one; the latest update breaks a tie);
- ``comments`` and ``findings`` simply take the new fingerprint (several rows may share one).

Downgrade maps ``findings`` back exactly (each row knows its key) and triage back where one
version-2 fingerprint came from exactly one version-1 fingerprint; triage of merged findings
stays on its version-2 fingerprint (which a version-1 engine never emits: upgrading again finds
it already migrated).
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.analysis.fingerprint import fingerprint_v1, fingerprint_v2

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_RULE_VERSION = 100  # rule versions tried when recovering the one a fingerprint was made with
STATUS_STRENGTH = {"false-positive": 3, "acknowledged": 2, "fixed": 1, "open": 0}

Fingerprint = Callable[[str, int, str], str]
meta = sa.MetaData()
findings = sa.Table(
    "findings",
    meta,
    sa.Column("id", sa.Integer),
    sa.Column("rule_id", sa.String),
    sa.Column("key", sa.Text),
    sa.Column("fingerprint", sa.String),
)
known_issues = sa.Table(
    "known_issues",
    meta,
    sa.Column("id", sa.Integer),
    sa.Column("project_id", sa.Integer),
    sa.Column("fingerprint", sa.String),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
finding_statuses = sa.Table(
    "finding_statuses",
    meta,
    sa.Column("id", sa.Integer),
    sa.Column("boot_id", sa.Integer),
    sa.Column("fingerprint", sa.String),
    sa.Column("status", sa.String),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)
comments = sa.Table(
    "comments", meta, sa.Column("id", sa.Integer), sa.Column("fingerprint", sa.String)
)


def _recompute(rule_id: str, key: str, fingerprint: str, old: Fingerprint, new: Fingerprint) -> str | None:
    """``new`` of the finding whose ``old`` fingerprint this is, or None if no rule version fits."""
    for version in range(1, MAX_RULE_VERSION + 1):
        if old(rule_id, version, key) == fingerprint:
            return new(rule_id, version, key)
    return None


def _finding_map(
    connection: sa.Connection, old: Fingerprint, new: Fingerprint
) -> dict[tuple[str, str | None, str], str]:
    """{(rule ID, key, old fingerprint): new fingerprint} of every distinct stored finding."""
    rows = connection.execute(
        sa.select(findings.c.rule_id, findings.c.key, findings.c.fingerprint).distinct()
    )
    out = {}
    for rule_id, key, fingerprint in rows:
        moved = _recompute(rule_id, key or "", fingerprint, old, new)
        if moved is not None and moved != fingerprint:
            out[(rule_id, key, fingerprint)] = moved
    return out


def _move_findings(connection: sa.Connection, moves: dict[tuple[str, str | None, str], str]) -> None:
    for (rule_id, key, fingerprint), moved in moves.items():
        same_key = findings.c.key.is_(None) if key is None else findings.c.key == key
        connection.execute(
            sa.update(findings)
            .where(findings.c.rule_id == rule_id, same_key, findings.c.fingerprint == fingerprint)
            .values(fingerprint=moved)
        )


def _merge(
    connection: sa.Connection,
    table: sa.Table,
    scope: str,
    mapping: dict[str, str],
    first: Callable[[sa.Row], Any],
    values: Callable[[list[sa.Row]], dict[str, Any]],
) -> None:
    """Rename ``table``'s fingerprints by ``mapping``; where several rows of one ``scope``
    (project or boot) now share one, the row ``first`` ranks lowest stays with ``values`` of
    the whole group and the others go."""
    groups: dict[tuple[int, str], list[sa.Row]] = defaultdict(list)
    for row in connection.execute(sa.select(table)).all():
        fingerprint = mapping.get(row.fingerprint, row.fingerprint)
        groups[(getattr(row, scope), fingerprint)].append(row)
    for (_, fingerprint), group in groups.items():
        keep, *merged = sorted(group, key=first)
        if not merged and keep.fingerprint == fingerprint:
            continue
        for row in merged:
            connection.execute(sa.delete(table).where(table.c.id == row.id))
        connection.execute(
            sa.update(table)
            .where(table.c.id == keep.id)
            .values(fingerprint=fingerprint, **values(group))
        )


def _merge_known_issues(connection: sa.Connection, mapping: dict[str, str]) -> None:
    """The oldest known issue stays, with every distinct note (oldest first)."""

    def notes(group: list[sa.Row]) -> dict[str, Any]:
        ordered = sorted(group, key=lambda r: (r.created_at, r.id))
        return {"note": "\n\n".join(dict.fromkeys(r.note for r in ordered if r.note))}

    _merge(connection, known_issues, "project_id", mapping, lambda r: (r.created_at, r.id), notes)


def _merge_statuses(connection: sa.Connection, mapping: dict[str, str]) -> None:
    """The strongest status stays (the latest update breaks a tie)."""

    def strongest(row: sa.Row) -> tuple[int, Any]:
        return -STATUS_STRENGTH.get(row.status, 0), -row.updated_at.timestamp()

    _merge(connection, finding_statuses, "boot_id", mapping, strongest, lambda group: {})


def _move_comments(connection: sa.Connection, mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        connection.execute(
            sa.update(comments).where(comments.c.fingerprint == old).values(fingerprint=new)
        )


def _migrate(old: Fingerprint, new: Fingerprint) -> None:
    """Findings row by row; triage where an ``old`` fingerprint has a single ``new`` one (always
    on upgrade; on downgrade not for a version-2 fingerprint that merged several)."""
    connection = op.get_bind()
    moves = _finding_map(connection, old, new)
    targets: dict[str, set[str]] = defaultdict(set)
    for (_, _, fingerprint), moved in moves.items():
        targets[fingerprint].add(moved)
    mapping = {fp: next(iter(ts)) for fp, ts in targets.items() if len(ts) == 1}
    _move_findings(connection, moves)
    _merge_known_issues(connection, mapping)
    _merge_statuses(connection, mapping)
    _move_comments(connection, mapping)


def upgrade() -> None:
    _migrate(fingerprint_v1, fingerprint_v2)


def downgrade() -> None:
    _migrate(fingerprint_v2, fingerprint_v1)
