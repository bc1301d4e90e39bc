"""``GET /api/v1/boots/{id}/export/{format}`` on both backends: content types, file names,
the bytes of the engine's exports, 404 for an unknown format, 409 before the analysis."""

from __future__ import annotations

import io
import json

import pytest

from app.analysis.export import EXPORTS
from app.analysis.report import analyze_file
from app.synth import get_demo, write_log
from tests.servicekit import bearer, upload, wait_for_status

DEMO = "sev-snp-driver-bugs"


@pytest.fixture(scope="module")
def demo_log() -> bytes:
    buffer = io.BytesIO()
    write_log(get_demo(DEMO), buffer)
    return buffer.getvalue()


def test_every_format_is_served_with_its_type_and_name(client, make_token, demo_log, tmp_path):
    token = make_token()
    boot_id = upload(client, token, demo_log, name=f"{DEMO}.log").json()["id"]
    assert wait_for_status(client, boot_id, token)["status"] == "done"
    path = tmp_path / f"{DEMO}.log"
    path.write_bytes(demo_log)
    expected = analyze_file(path)
    for export in EXPORTS:
        url = f"/api/v1/boots/{boot_id}/export/{export.name}"
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200, (export.name, response.text)
        assert response.headers["content-type"] == export.media_type
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="boot-{boot_id}{export.suffix}"'
        assert response.content
    sarif = client.get(f"/api/v1/boots/{boot_id}/export/sarif", headers=bearer(token)).json()
    fingerprints = [r["partialFingerprints"] for r in sarif["runs"][0]["results"]]
    assert [next(iter(f.values())) for f in fingerprints] == [
        f.fingerprint for f in expected.findings
    ]
    stored = client.get(f"/api/v1/boots/{boot_id}/export/json", headers=bearer(token)).json()
    assert stored == client.get(f"/api/v1/boots/{boot_id}/result", headers=bearer(token)).json()
    csv = client.get(f"/api/v1/boots/{boot_id}/export/devices.csv", headers=bearer(token))
    assert [line.split(",")[0] for line in csv.text.splitlines()[1:]] == [
        d.device for d in expected.devices
    ]


def test_unknown_format_is_404_with_the_choices(client, make_token, demo_log) -> None:
    token = make_token()
    boot_id = upload(client, token, demo_log, name=f"{DEMO}.log").json()["id"]
    response = client.get(f"/api/v1/boots/{boot_id}/export/pdf", headers=bearer(token))
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "pdf" in detail and all(e.name in detail for e in EXPORTS)


def test_no_export_of_another_projects_boot_or_anonymously(client, make_token, demo_log) -> None:
    token = make_token()
    boot_id = upload(client, token, demo_log, name=f"{DEMO}.log").json()["id"]
    other = make_token(project="other")
    response = client.get(f"/api/v1/boots/{boot_id}/export/sarif", headers=bearer(other))
    assert response.status_code == 404
    assert client.get(f"/api/v1/boots/{boot_id}/export/sarif").status_code == 401


def test_export_before_analysis_is_409(settings, make_token, demo_log) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    token = make_token()
    with TestClient(create_app(settings, workers=0)) as client:
        boot_id = upload(client, token, demo_log, name=f"{DEMO}.log").json()["id"]
        response = client.get(f"/api/v1/boots/{boot_id}/export/junit", headers=bearer(token))
        assert response.status_code == 409
        assert "queued" in json.loads(response.content)["detail"]
