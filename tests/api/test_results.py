"""Result document, findings, devices, timeline and the raw log of an analysed boot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.analysis.report import analyze_file
from tests.servicekit import bearer, upload, wait_for_status

SEV_ES = "003-tianocore-bz1354-sev-es-ovmf-debug.log"


@pytest.fixture
def analysed(client, make_token, logs_dir: Path):
    token = make_token()
    boot_id = upload(client, token, logs_dir / SEV_ES, name=SEV_ES).json()["id"]
    assert wait_for_status(client, boot_id, token)["status"] == "done"
    return boot_id, bearer(token)


def test_result_is_the_engine_document(client, analysed, logs_dir: Path) -> None:
    boot_id, headers = analysed
    response = client.get(f"/api/v1/boots/{boot_id}/result", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    expected = analyze_file(logs_dir / SEV_ES, display_name=SEV_ES).to_dict()
    for key in ("schema_version", "engine_version", "platform", "findings", "verdict", "devices"):
        assert document[key] == json.loads(json.dumps(expected[key])), key
    assert document["source"]["sha256"] == expected["source"]["sha256"]


def test_findings_and_devices_match_the_result(client, analysed) -> None:
    boot_id, headers = analysed
    document = client.get(f"/api/v1/boots/{boot_id}/result", headers=headers).json()
    findings = client.get(f"/api/v1/boots/{boot_id}/findings", headers=headers).json()
    assert findings["count"] == len(document["findings"])
    assert {f["fingerprint"] for f in findings["data"]} == {
        f["fingerprint"] for f in document["findings"]
    }
    devices = client.get(f"/api/v1/boots/{boot_id}/devices", headers=headers).json()
    assert sorted(d["device"] for d in devices["data"]) == sorted(
        d["device"] for d in document["devices"]
    )
    timeline = client.get(f"/api/v1/boots/{boot_id}/timeline", headers=headers).json()
    assert timeline["timeline"] == document["timeline"]
    assert timeline["phases"] == document["phases"]


def test_log_ranges_are_exact_lines(client, analysed, logs_dir: Path) -> None:
    boot_id, headers = analysed
    lines = (logs_dir / SEV_ES).read_bytes().splitlines(keepends=True)
    url = f"/api/v1/boots/{boot_id}/log"
    part = client.get(url, params={"start": 100, "end": 104}, headers=headers)
    assert part.content == b"".join(lines[99:104])
    assert part.headers["x-total-lines"] == str(len(lines))
    assert (part.headers["x-line-start"], part.headers["x-line-end"]) == ("100", "104")
    tail = client.get(
        url, params={"start": len(lines) - 1, "end": len(lines) + 50}, headers=headers
    )
    assert tail.content == b"".join(lines[-2:])
    whole = client.get(url, headers=headers)
    assert whole.content == b"".join(lines)
    assert client.get(url, params={"start": len(lines) + 5}, headers=headers).status_code == 416
    assert client.get(url, params={"start": 5, "end": 2}, headers=headers).status_code == 416


def test_result_before_analysis_is_409(settings, make_token, logs_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    token = make_token()
    with TestClient(create_app(settings, workers=0)) as client:
        boot_id = upload(client, token, logs_dir / SEV_ES).json()["id"]
        response = client.get(f"/api/v1/boots/{boot_id}/result", headers=bearer(token))
        assert response.status_code == 409
        assert "queued" in response.json()["detail"]
        assert client.get(f"/api/v1/boots/{boot_id}/findings", headers=bearer(token)).json() == {
            "boot_id": boot_id,
            "data": [],
            "count": 0,
        }


def test_openapi_and_docs_are_served(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/boots" in spec["paths"] and "/api/v1/boots/{boot_id}/result" in spec["paths"]
    assert client.get("/docs").status_code == 200
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["job_backend"] == "inprocess"
