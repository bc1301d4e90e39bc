"""A device's route and page, and the tables as CSV and JSON downloads, over HTTP on both
backends: the same rows as the engine's document, one source for devices.csv (the export and
the page's table agree byte for byte), pool/legacy of each mapping, 404s with a detail."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest

from app.analysis.export.tables import device_lifetimes
from app.analysis.report import analyze_file
from app.synth import get_demo, write_log
from tests.servicekit import bearer, upload, wait_for_status

DEMO = "sev-snp-driver-bugs"


@pytest.fixture(scope="module")
def demo_log() -> bytes:
    buffer = io.BytesIO()
    write_log(get_demo(DEMO), buffer)
    return buffer.getvalue()


def test_device_route_page_and_table_downloads(client, make_token, demo_log, tmp_path) -> None:
    token = make_token()
    auth = bearer(token)
    boot = upload(client, token, demo_log, name=f"{DEMO}.log").json()["id"]
    assert wait_for_status(client, boot, token)["status"] == "done"
    path = tmp_path / "demo.log"
    path.write_bytes(demo_log)
    expected = analyze_file(path)
    device = max(expected.devices, key=lambda d: d.maps)
    kept = device_lifetimes(expected, device.device)
    assert kept

    api = client.get(f"/api/v1/boots/{boot}/devices/{quote(device.device)}", headers=auth)
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["device"]["maps"] == device.maps
    assert body["attribution"]["method"] == device.attribution.method
    assert body["attribution"]["explanation"]
    assert [m["map_line"] for m in body["mappings"]] == [m.start_line for m in kept]
    paths = {m["path"] for m in body["mappings"]}
    assert paths <= {"pool", "legacy"} and paths  # every mapping of a new result says which
    assert sum(m["path"] == "pool" for m in body["mappings"]) <= device.pool_maps

    page = client.get(f"/boots/{boot}/devices/{quote(device.device)}", headers=auth)
    assert page.status_code == 200 and device.attribution.method in page.text
    first = kept[0].start_line
    assert f'href="/boots/{boot}/log?line={first}#L{first}"' in page.text
    for fmt in ("csv", "json"):
        got = client.get(
            f"/boots/{boot}/devices/{quote(device.device)}", params={"_format": fmt}, headers=auth
        )
        assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(got.text))) if fmt == "csv" else got.json()["rows"]
        assert [int(r["map_line"]) for r in rows] == [m.start_line for m in kept]

    exported = client.get(f"/api/v1/boots/{boot}/export/devices.csv", headers=auth)
    table = client.get(f"/boots/{boot}/tables/devices.csv", headers=auth)
    assert table.status_code == 200 and table.content == exported.content
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    findings = client.get(f"/boots/{boot}/tables/findings.json", headers=auth).json()
    assert [r["id"] for r in findings["rows"]] == [f.id for f in expected.findings]
    assert findings["count"] == len(expected.findings) and "fingerprint" in findings["columns"]

    boots = client.get("/", params={"_format": "json"}, headers=auth)
    assert boots.headers["content-disposition"] == 'attachment; filename="boots.json"'
    assert boot in [r["id"] for r in boots.json()["rows"]]
    listed = client.get("/", params={"_format": "csv", "q": "no such boot"}, headers=auth)
    assert listed.text.splitlines() == [",".join(json.loads(boots.text)["columns"])]

    for url, params in (
        (f"/api/v1/boots/{boot}/devices/no-such-device", {}),
        (f"/boots/{boot}/devices/no-such-device", {}),
        (f"/boots/{boot}/tables/devices.xlsx", {}),
        (f"/boots/{boot}/tables/comments.csv", {}),
        (f"/boots/{boot}/devices/{quote(device.device)}", {"_format": "pdf"}),
        ("/", {"_format": "pdf"}),
    ):
        refused = client.get(url, params=params, headers=auth)
        assert refused.status_code == 404, (url, params, refused.status_code)
        if url.startswith("/api/"):
            assert "no-such-device" in refused.json()["detail"]
        else:
            assert "use one of" in refused.text or "no device" in refused.text
