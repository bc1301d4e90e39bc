"""Migration 0006 moves the team's triage from version-1 fingerprints to version 2.

Rows written as a version-1 engine left them (two findings that differ only by an address, a
known issue and a status on each, a comment) are taken back to revision 0005 and upgraded: the
two merge into one version-2 fingerprint that keeps both notes and the stronger status, and a
finding without triage keeps its own mapped fingerprint. Downgrading maps the findings back.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from app.analysis.fingerprint import fingerprint_v1, fingerprint_v2
from app.db import queries
from app.db.blobs import put_bytes
from app.db.migrate import alembic_config, upgrade
from app.db.models import AnalysisRun, Boot, Finding
from app.db.review import Comment, FindingStatus, KnownIssue
from app.db.session import Database

LOW_KEY, HIGH_KEY = "SNP_SECRETS@0x80d000", "SNP_SECRETS@0x80e000"
OTHER_KEY = "virtio-blk 00:04.0:dma-leak"


def _finding(boot: Boot, run: AnalysisRun, rule_id: str, key: str) -> Finding:
    return Finding(
        boot_id=boot.id,
        run_id=run.id,
        rule_id=rule_id,
        severity="high",
        severity_rank=3,
        title="t",
        lines=[1],
        fingerprint=fingerprint_v1(rule_id, 1, key),
        key=key,
    )


def _seed(db: Database) -> int:
    with db.write() as session:
        project = queries.get_or_create_project(session, name="acme")
        sha = put_bytes(session, b"line\n")
        boot = Boot(project_id=project.id, name="b", log_sha256=sha, log_bytes=5, log_lines=1)
        session.add(boot)
        session.flush()
        run = AnalysisRun(boot_id=boot.id, status="done")
        session.add(run)
        session.flush()
        for rule_id, key in (("FW-002", LOW_KEY), ("FW-002", HIGH_KEY), ("IOMMU-001", OTHER_KEY)):
            session.add(_finding(boot, run, rule_id, key))
        low, high = fingerprint_v1("FW-002", 1, LOW_KEY), fingerprint_v1("FW-002", 1, HIGH_KEY)
        for fingerprint, note in ((low, "firmware moved it"), (high, "same bug")):
            session.add(
                KnownIssue(
                    project_id=project.id,
                    fingerprint=fingerprint,
                    rule_id="FW-002",
                    note=note,
                    author="rita",
                )
            )
        for fingerprint, status in ((low, "acknowledged"), (high, "false-positive")):
            session.add(
                FindingStatus(boot_id=boot.id, fingerprint=fingerprint, status=status, author="r")
            )
        session.add(Comment(boot_id=boot.id, author="r", fingerprint=high, body="see #12"))
        return boot.id


def test_upgrade_maps_and_merges_triage(database_url: str) -> None:
    db = Database(database_url, pool_size=1)
    try:
        boot_id = _seed(db)
        command.downgrade(alembic_config(database_url), "0005")  # v1 rows stay v1
        upgrade(database_url)
        merged = fingerprint_v2("FW-002", 1, LOW_KEY)
        assert merged == fingerprint_v2("FW-002", 1, HIGH_KEY)
        with db.read() as session:
            [known] = session.scalars(select(KnownIssue)).all()
            assert (known.fingerprint, known.note) == (merged, "firmware moved it\n\nsame bug")
            [status] = session.scalars(select(FindingStatus)).all()
            assert (status.fingerprint, status.status) == (merged, "false-positive")
            [comment] = session.scalars(select(Comment)).all()
            assert comment.fingerprint == merged
            found = {
                (f.key, f.fingerprint)
                for f in session.scalars(select(Finding).where(Finding.boot_id == boot_id))
            }
            assert found == {
                (LOW_KEY, merged),
                (HIGH_KEY, merged),
                (OTHER_KEY, fingerprint_v2("IOMMU-001", 1, OTHER_KEY)),
            }
        command.downgrade(alembic_config(database_url), "0005")
        with db.read() as session:
            back = {f.key: f.fingerprint for f in session.scalars(select(Finding))}
            assert back[OTHER_KEY] == fingerprint_v1("IOMMU-001", 1, OTHER_KEY)
            assert back[LOW_KEY] == fingerprint_v1("FW-002", 1, LOW_KEY)
            # the merged known issue has no single version-1 name: it stays where it is
            assert session.scalars(select(KnownIssue.fingerprint)).all() == [merged]
        upgrade(database_url)
    finally:
        db.dispose()
