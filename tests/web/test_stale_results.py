"""A stored result this engine cannot read is reported as stale (re-analyse), never a 500.

Two kinds, on both backends: a real schema-1 document (``tests/fixtures/results``, written by
the engine before the typed document), which start-up flags ``stale`` from its run's
``schema_version``; and a document of the current schema that does not parse (its run says it
is current, so only loading it finds out). Re-analysis makes the boot current again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.analysis.document import SCHEMA_VERSION
from app.config import Settings
from app.db import queries
from app.db.blobs import put_bytes, read_blob
from app.db.models import AnalysisRun
from app.db.session import Database
from app.main import create_app
from tests.web.conftest import BootMaker, synthesized_log

SCHEMA_1 = Path(__file__).parents[1] / "fixtures" / "results" / "schema-1-007-tdx-lazy-accept.json"


def store_result(db: Database, boot_id: int, document: bytes, *, schema_version: str) -> None:
    """Make ``document`` the boot's shown result, as an older engine would have stored it."""
    with db.write() as session:
        boot = queries.get_boot(session, boot_id=boot_id)
        assert boot is not None and boot.result_run_id is not None
        run = session.get(AnalysisRun, boot.result_run_id)
        assert run is not None
        run.result_sha256 = put_bytes(session, document)
        run.schema_version = schema_version


def stored_document(db: Database, boot_id: int) -> dict[str, Any]:
    """The boot's shown result document as stored."""
    with db.read() as session:
        boot = queries.get_boot(session, boot_id=boot_id)
        assert boot is not None
        run = queries.get_run(session, run_id=boot.result_run_id or 0)
        assert run is not None and run.result_sha256 is not None
        data: dict[str, Any] = json.loads(read_blob(session, run.result_sha256))
    return data


@contextmanager
def serving(settings: Settings) -> Iterator[Any]:
    """The app started now (start-up flags stale results), without workers."""
    with TestClient(create_app(settings, workers=0)) as client:
        yield client


def assert_reported_stale(client: Any, boot_id: int, other_id: int) -> None:
    page = client.get(f"/boots/{boot_id}")
    assert page.status_code == 200
    assert 'id="stale-result"' in page.text and "re-analyse" in page.text
    assert client.get(f"/boots/{boot_id}/log").status_code == 200  # the raw log still shows
    for path in (
        f"/api/v1/boots/{boot_id}/timeline",
        f"/api/v1/boots/{boot_id}/timeline/window",
        f"/api/v1/compare?a={other_id}&b={boot_id}",
    ):
        answer = client.get(path)
        assert answer.status_code == 409, (path, answer.text)
        assert "stale result" in answer.json()["detail"]
    compare = client.get(f"/compare?a={other_id}&b={boot_id}")
    assert compare.status_code == 409 and "stale result" in compare.text
    assert client.get(f"/api/v1/boots/{boot_id}/result").status_code == 200  # bytes as stored


def test_a_schema_1_result_is_stale(settings: Settings, db: Database, make_boot: BootMaker) -> None:
    boot_id = make_boot(synthesized_log("sev-snp-pool-virtio-blk"), name="old")
    other_id = make_boot(synthesized_log("sev-legacy-202211-leak"), name="current")
    stored = SCHEMA_1.read_bytes()
    assert json.loads(stored)["schema_version"] == 1 != SCHEMA_VERSION
    store_result(db, boot_id, stored, schema_version="1")
    with serving(settings) as client:
        assert client.get(f"/api/v1/boots/{boot_id}").json()["stale"] is True
        assert client.get(f"/api/v1/boots/{other_id}").json()["stale"] is False
        assert "badge-stale" in client.get("/boots").text
        assert_reported_stale(client, boot_id, other_id)
        page = client.get(f"/boots/{boot_id}")
        engine = json.loads(stored)["engine_version"]
        assert f"schema 1, engine {engine!r}" in page.text.replace("&#39;", "'")
    make_boot.reanalyse(boot_id)
    with serving(settings) as client:
        assert client.get(f"/api/v1/boots/{boot_id}").json()["stale"] is False
        page = client.get(f"/boots/{boot_id}")
        assert page.status_code == 200 and 'id="stale-result"' not in page.text


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.pop("timeline"),
        lambda data: data["devices"].append({"device": "x"}),
        lambda data: data["verdict"].update(counts="many"),
    ],
    ids=["missing-section", "bad-device", "wrong-type"],
)
def test_a_current_result_that_does_not_parse_is_stale(
    settings: Settings, db: Database, make_boot: BootMaker, damage: Any
) -> None:
    boot_id = make_boot(synthesized_log("sev-snp-pool-virtio-blk"), name="damaged")
    other_id = make_boot(synthesized_log("sev-legacy-202211-leak"), name="current")
    data = stored_document(db, boot_id)
    damage(data)
    store_result(db, boot_id, json.dumps(data).encode(), schema_version=str(SCHEMA_VERSION))
    with serving(settings) as client:
        assert client.get(f"/api/v1/boots/{boot_id}").json()["stale"] is False  # its run says so
        assert_reported_stale(client, boot_id, other_id)
        assert "does not parse" in client.get(f"/boots/{boot_id}").text
        # the boot page found out: now flagged like any stale boot (badge, reanalyse-stale)
        assert client.get(f"/api/v1/boots/{boot_id}").json()["stale"] is True
        assert client.get(f"/api/v1/boots/{other_id}").json()["stale"] is False
    with db.read() as session:
        assert [b.id for b in queries.list_stale_boots(session, project_ids=None)] == [boot_id]


def test_a_fingerprint_v1_result_is_stale_until_reanalysed(
    settings: Settings, db: Database, make_boot: BootMaker
) -> None:
    """A result of engine 0.2.0 (schema 4, version-1 fingerprints) is not judged with its old
    fingerprints (the team's triage moved to version 2): its verdict is a 409, its badge says
    stale, and re-analysis gives it version-2 fingerprints."""
    from app.analysis.fingerprint import fingerprint, fingerprint_v1

    boot_id = make_boot(synthesized_log("sev-legacy-202211-leak"), name="old", branch="main")
    data = stored_document(db, boot_id)
    data.update(schema_version=4, engine_version="0.2.0")
    data.pop("fingerprint_version")
    for finding in data["findings"]:
        finding.pop("fingerprint_version")
        finding["fingerprint"] = fingerprint_v1(
            finding["id"], finding["rule_version"], finding["key"] or ""
        )
    store_result(db, boot_id, json.dumps(data).encode(), schema_version="4")
    with serving(settings) as client:
        judged = client.get(f"/api/v1/boots/{boot_id}/verdict")
        assert judged.status_code == 409 and "stale result" in judged.json()["detail"]
        badge = client.get("/api/v1/projects/acme/badge.svg", params={"branch": "main"})
        assert "cvmreview main: stale" in badge.text
        baseline = client.get(f"/api/v1/boots/{boot_id}/baseline").json()
        assert baseline["baseline_id"] is None and "stale result" in baseline["how"]
    make_boot.reanalyse(boot_id)
    with serving(settings) as client:
        assert client.get(f"/api/v1/boots/{boot_id}/verdict").status_code == 200
        found = client.get(f"/api/v1/boots/{boot_id}/findings").json()["data"]
        [new] = [f["fingerprint"] for f in found if f["rule_id"] == "IOMMU-001"]
        [old] = [f for f in data["findings"] if f["id"] == "IOMMU-001"]
        assert new == fingerprint("IOMMU-001", 1, old["key"]) != old["fingerprint"]
