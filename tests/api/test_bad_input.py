"""Bad input is a 4xx with a JSON ``detail``, the same on SQLite and PostgreSQL: numbers past
the database's integers, NUL characters, deeply nested JSON, unusable login bodies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.models import Boot
from tests.servicekit import bearer, upload, wait_for_status

LOG = "004-tianocore-bz1341-sev-pei-assert.log"
BIG = 2**63
INT32 = 2**31


@pytest.fixture
def boot_and_token(client, make_token, logs_dir: Path) -> tuple[int, str]:
    token = make_token("acme", "upload,read,admin")
    boot_id = upload(client, token, logs_dir / LOG).json()["id"]
    wait_for_status(client, boot_id, token)
    return boot_id, token


def upload_with_metadata(client, token: str, logs_dir: Path, metadata: bytes):
    files = {"log": ("a.log", (logs_dir / LOG).read_bytes()), "firmware_metadata": ("m", metadata)}
    return client.post("/api/v1/boots", files=files, headers=bearer(token))


def assert_refused(response, status: int = 422) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail
    assert len(response.content) < 2000  # nothing big is echoed


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/boots/{BIG}",
        f"/api/v1/boots/{INT32}",
        f"/api/v1/boots/{INT32}/findings",
        f"/api/v1/boots/{BIG * 10**6}",
        f"/api/v1/boots/{BIG}/result",
        f"/api/v1/boots/{BIG}/log",
        f"/api/v1/boots?offset={BIG}",
        f"/api/v1/compare?a={BIG}&b=1",
        f"/api/v1/compare?a=1&b={INT32}",
        f"/boots/{BIG}",
        f"/boots/{BIG}/log",
        f"/compare?a={BIG}&b=1",
        "/api/v1/boots?branch=a%00b",
        "/api/v1/boots?project=%00",
        "/boots?q=x%00y",
    ],
)
def test_out_of_range_numbers_and_nul_in_urls_are_422(client, boot_and_token, path: str) -> None:
    _, token = boot_and_token
    assert_refused(client.get(path, headers=bearer(token)))


def test_largest_numbers_are_answered_normally(client, boot_and_token) -> None:
    boot_id, token = boot_and_token
    headers = bearer(token)
    assert client.get(f"/api/v1/boots/{INT32 - 1}", headers=headers).status_code == 404
    listed = client.get(f"/api/v1/boots?offset={BIG - 1}", headers=headers)
    assert listed.status_code == 200 and listed.json()["data"] == []
    log = client.get(f"/api/v1/boots/{boot_id}/log?start={INT32 - 1}", headers=headers)
    assert log.status_code == 416
    assert_refused(client.get(f"/api/v1/boots/{boot_id}/log?start={INT32}", headers=headers))


@pytest.mark.parametrize("field", ["name", "branch", "origin_id", "commit", "tags", "project"])
def test_nul_in_upload_fields_is_422_and_stores_nothing(
    client, db, boot_and_token, logs_dir: Path, field: str
) -> None:
    _, token = boot_and_token
    fields = {field: "main\x00evil", **({} if field == "project" else {"project": "acme"})}
    response = client.post(
        "/api/v1/boots",
        files={"log": ("a.log", (logs_dir / LOG).read_bytes())},
        data=fields,
        headers=bearer(token),
    )
    assert_refused(response)
    assert "NUL" in response.json()["detail"]
    assert response.headers.get("retry-after") is None
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Boot)) == 1


@pytest.mark.parametrize(
    "metadata",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"a":' * 40 + b"1" + b"}" * 40,
        b'{"version": "1\\u0000"}',
    ],
)
def test_deep_or_nul_firmware_metadata_is_422(
    client, boot_and_token, logs_dir: Path, metadata: bytes
) -> None:
    _, token = boot_and_token
    response = upload_with_metadata(client, token, logs_dir, metadata)
    assert_refused(response)


def test_flat_firmware_metadata_is_kept(client, boot_and_token, logs_dir: Path) -> None:
    _, token = boot_and_token
    metadata = b'{"version": "edk2-stable202402", "nested": {"a": [1, 2, {"b": 3}]}}'
    response = upload_with_metadata(client, token, logs_dir, metadata)
    assert response.status_code == 202, response.text


def test_huge_field_values_are_not_echoed(client, boot_and_token, logs_dir: Path) -> None:
    _, token = boot_and_token
    huge = "x" * 1_000_000
    for field in ("project", "commit", "branch"):
        response = upload(client, token, logs_dir / LOG, **{field: huge})
        assert_refused(response)
    answer = client.get("/api/v1/boots", params={"limit": "9" * 60_000}, headers=bearer(token))
    assert_refused(answer)


def test_comment_line_past_the_column_is_422(client, db, boot_and_token) -> None:
    from app.db import accounts, queries

    boot_id, _ = boot_and_token
    with db.write() as session:
        user = accounts.create_user(session, username="rev", password="password-123")
        project = queries.get_or_create_project(session, name="acme")
        accounts.set_role(session, user=user, project=project, role="reviewer")
    login = client.post("/api/v1/auth/login", json={"username": "rev", "password": "password-123"})
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    url = f"/api/v1/boots/{boot_id}/comments"
    assert_refused(client.post(url, json={"body": "x", "line": INT32}, headers=csrf))
    assert_refused(client.post(url, json={"body": "a\x00b"}, headers=csrf))
    past_the_log = client.post(url, json={"body": "x", "line": INT32 - 1}, headers=csrf)
    assert_refused(past_the_log)  # the service's own check: the log has no such line
    assert "line" in past_the_log.json()["detail"]
    assert client.post(url, json={"body": "ok", "line": 1}, headers=csrf).status_code == 201
