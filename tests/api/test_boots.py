"""Upload, read, list, re-analyse and delete boots through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.servicekit import bearer, upload, wait_for_status

SEV_ES = "003-tianocore-bz1354-sev-es-ovmf-debug.log"
PLAIN = "005-tianocore-bz579-plain-ovmf-debug.log"
TDX = "007-freelancer-leon-tdx-lazy-accept-excerpt.log"


def test_upload_boot_is_analysed(client, make_token, logs_dir: Path) -> None:
    token = make_token()
    response = upload(
        client,
        token,
        logs_dir / SEV_ES,
        name=SEV_ES,
        branch="main",
        commit="abc123",
        ci_url="https://ci.example/1",
        tags="nightly, sev-es ,nightly",
    )
    assert response.status_code == 202, response.text
    created = response.json()
    assert set(created) >= {"id", "status", "status_url", "url"}
    assert created["status"] == "queued"
    assert response.headers["location"] == created["status_url"]
    boot = wait_for_status(client, created["id"], token)
    assert boot["status"] == "done", boot
    assert boot["platform"] == "sev-es"
    assert boot["tags"] == ["nightly", "sev-es"]
    assert (boot["branch"], boot["commit"], boot["name"]) == ("main", "abc123", SEV_ES)
    assert boot["log_lines"] == 1811
    assert boot["latest_run"]["attempts"] == 1
    assert boot["latest_run"]["engine_version"]


def test_upload_gzip_log_is_stored_decompressed(client, make_token, logs_dir: Path) -> None:
    token = make_token()
    raw = (logs_dir / PLAIN).read_bytes()
    response = upload(client, token, gzip.compress(raw), name="plain.log.gz")
    assert response.status_code == 202, response.text
    boot = wait_for_status(client, response.json()["id"], token)
    assert boot["status"] == "done"
    assert boot["log_bytes"] == len(raw)
    log = client.get(f"/api/v1/boots/{boot['id']}/log", params={"end": 5}, headers=bearer(token))
    assert log.content == b"".join(raw.splitlines(keepends=True)[:5])


def test_upload_same_log_twice_stores_one_blob(client, make_token, logs_dir: Path, db) -> None:
    from sqlalchemy import func, select

    from app.db.models import Blob

    token = make_token()
    first = upload(client, token, logs_dir / TDX).json()["id"]
    second = upload(client, token, gzip.compress((logs_dir / TDX).read_bytes())).json()["id"]
    assert first != second
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Blob).where(Blob.size > 0)) >= 1
        shas = {
            client.get(f"/api/v1/boots/{i}", headers=bearer(token)).json()["log_sha256"]
            for i in (first, second)
        }
        assert len(shas) == 1
        assert (
            session.scalar(select(func.count()).select_from(Blob).where(Blob.sha256.in_(shas))) == 1
        )


def test_upload_with_origin_id_returns_existing_boot(client, make_token, logs_dir: Path) -> None:
    token = make_token()
    first = upload(client, token, logs_dir / TDX, origin_id="ci-run-7")
    again = upload(client, token, logs_dir / PLAIN, origin_id="ci-run-7")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["existing"] is True
    listed = client.get("/api/v1/boots", headers=bearer(token)).json()
    assert listed["count"] == 1


def test_origin_id_is_per_project(client, make_token, logs_dir: Path) -> None:
    one, two = make_token("one"), make_token("two")
    a = upload(client, one, logs_dir / TDX, origin_id="same").json()["id"]
    b = upload(client, two, logs_dir / TDX, origin_id="same").json()["id"]
    assert a != b


def test_list_boots_filters_and_paginates(client, make_token, logs_dir: Path) -> None:
    token = make_token()
    ids = []
    for name, branch in ((SEV_ES, "main"), (PLAIN, "dev"), (TDX, "main")):
        ids.append(upload(client, token, logs_dir / name, name=name, branch=branch).json()["id"])
    for boot_id in ids:
        assert wait_for_status(client, boot_id, token)["status"] == "done"
    headers = bearer(token)

    def listed(**params: str | int) -> dict:
        response = client.get("/api/v1/boots", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    assert [b["id"] for b in listed()["data"]] == ids[::-1]
    assert {b["name"] for b in listed(branch="main")["data"]} == {SEV_ES, TDX}
    assert [b["name"] for b in listed(platform="sev-es")["data"]] == [SEV_ES]
    assert listed(status="done")["count"] == 3
    assert listed(status="failed")["count"] == 0
    assert listed(project="acme")["count"] == 3
    assert listed(project="other")["count"] == 0
    page = listed(limit=2, offset=2)
    assert (page["count"], len(page["data"]), page["data"][0]["id"]) == (3, 1, ids[0])
    order = ["info", "low", "medium", "high", "critical"]
    worst = {b["id"]: b["worst_severity"] for b in listed()["data"]}
    for level in order:
        expected = {i for i, w in worst.items() if w and order.index(w) >= order.index(level)}
        assert {b["id"] for b in listed(severity=level)["data"]} == expected, level
    assert any(worst.values())
    assert (
        client.get("/api/v1/boots", params={"severity": "bad"}, headers=headers).status_code == 422
    )


def test_read_boot_not_found(client, make_token) -> None:
    response = client.get("/api/v1/boots/999", headers=bearer(make_token()))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_reanalyse_boot_makes_a_new_run(client, make_token, logs_dir: Path) -> None:
    token = make_token()
    boot_id = upload(client, token, logs_dir / TDX).json()["id"]
    first = wait_for_status(client, boot_id, token)
    response = client.post(f"/api/v1/boots/{boot_id}/reanalyse", headers=bearer(token))
    assert response.status_code == 202
    second = wait_for_status(client, boot_id, token)
    assert second["status"] == "done"
    assert second["latest_run"]["id"] != first["latest_run"]["id"]
    findings = client.get(f"/api/v1/boots/{boot_id}/findings", headers=bearer(token)).json()
    result = client.get(f"/api/v1/boots/{boot_id}/result", headers=bearer(token)).json()
    assert findings["count"] == len(result["findings"])


def test_delete_boot_needs_admin(client, make_token, logs_dir: Path) -> None:
    uploader = make_token("acme", "upload,read")
    admin = make_token("acme", "admin")
    boot_id = upload(client, uploader, logs_dir / TDX).json()["id"]
    wait_for_status(client, boot_id, uploader)
    assert client.delete(f"/api/v1/boots/{boot_id}", headers=bearer(uploader)).status_code == 403
    assert client.delete(f"/api/v1/boots/{boot_id}", headers=bearer(admin)).status_code == 204
    assert client.get(f"/api/v1/boots/{boot_id}", headers=bearer(admin)).status_code == 404


def test_reanalyse_stale_requeues_old_engine_results(
    client, make_token, logs_dir: Path, db
) -> None:
    from sqlalchemy import update

    from app.db import queries
    from app.db.models import AnalysisRun

    token, admin = make_token(), make_token("acme", "admin")
    boot_id = upload(client, token, logs_dir / TDX).json()["id"]
    wait_for_status(client, boot_id, token)
    with db.write() as session:
        session.execute(update(AnalysisRun).values(engine_version="0.0.0-old"))
        from app.analysis.document import ENGINE_VERSION

        assert queries.mark_stale(session, engine_version=ENGINE_VERSION) == 1
    assert client.get(f"/api/v1/boots/{boot_id}", headers=bearer(token)).json()["stale"] is True
    assert client.post("/api/v1/boots/reanalyse-stale", headers=bearer(token)).status_code == 403
    response = client.post("/api/v1/boots/reanalyse-stale", headers=bearer(admin))
    assert response.json() == {"queued": [boot_id], "count": 1}
    boot = wait_for_status(client, boot_id, token)
    assert (boot["status"], boot["stale"]) == ("done", False)


def test_results_of_an_older_schema_are_stale_too(client, make_token, logs_dir: Path, db) -> None:
    """Same engine version, older document shape (schema 1 had ``iommu.platform``...): stale."""
    from sqlalchemy import update

    from app.analysis.document import ENGINE_VERSION, SCHEMA_VERSION
    from app.db import queries
    from app.db.models import AnalysisRun

    token = make_token()
    boot_id = upload(client, token, logs_dir / TDX).json()["id"]
    wait_for_status(client, boot_id, token)
    with db.write() as session:
        current = dict(engine_version=ENGINE_VERSION, schema_version=SCHEMA_VERSION)
        assert queries.mark_stale(session, **current) == 0
        session.execute(update(AnalysisRun).values(schema_version="1"))
        assert queries.mark_stale(session, engine_version=ENGINE_VERSION) == 0
        assert queries.mark_stale(session, **current) == 1
    assert client.get(f"/api/v1/boots/{boot_id}", headers=bearer(token)).json()["stale"] is True
