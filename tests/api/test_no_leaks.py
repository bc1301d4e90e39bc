"""Nothing leaks: a boot or project the caller may not see answers exactly like one that does
not exist; sign-in refuses posts from other sites; the OpenAPI document lists the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db import accounts, queries
from tests.servicekit import bearer, upload, wait_for_status

LOG = "004-tianocore-bz1341-sev-pei-assert.log"
PASSWORD = "password-123"


@pytest.fixture
def private_boot(client, make_token, logs_dir: Path) -> tuple[int, str]:
    token = make_token("private", "upload,read")
    boot_id = upload(client, token, logs_dir / LOG).json()["id"]
    wait_for_status(client, boot_id, token)
    return boot_id, token


def answer(response) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]


def test_hidden_and_unknown_boots_answer_alike(client, make_token, private_boot) -> None:
    boot_id, _ = private_boot
    unknown = boot_id + 1000
    for suffix in ("", "/result", "/log", "/findings", "/review"):
        hidden = client.get(f"/api/v1/boots/{boot_id}{suffix}")
        missing = client.get(f"/api/v1/boots/{unknown}{suffix}")
        assert answer(hidden) == answer(missing) and hidden.status_code == 401, suffix
    other = bearer(make_token("other", "upload,read,admin"))
    hidden = client.get(f"/api/v1/boots/{boot_id}", headers=other)
    missing = client.get(f"/api/v1/boots/{unknown}", headers=other)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(str(boot_id), "N") == missing.json()["detail"].replace(
        str(unknown), "N"
    )
    pages = [client.get(f"/boots/{i}").status_code for i in (boot_id, unknown)]
    assert pages == [401, 401]


def test_hidden_and_unknown_projects_answer_alike(client, db, make_token, logs_dir) -> None:
    make_token("private")
    other = make_token("other", "upload,read,admin")
    hidden = upload(client, other, logs_dir / LOG, project="private")
    missing = upload(client, other, logs_dir / LOG, project="no-such-project")
    assert answer(hidden) == answer(missing) and hidden.status_code == 404
    assert "no-such-project" not in missing.text
    anonymous = [upload(client, "", logs_dir / LOG, project=p) for p in ("private", "nope")]
    assert answer(anonymous[0]) == answer(anonymous[1]) and anonymous[0].status_code == 401
    with db.write() as session:
        user = accounts.create_user(session, username="vic", password=PASSWORD)
        project = queries.get_or_create_project(session, name="private")
        accounts.set_role(session, user=user, project=project, role="viewer")
    login = client.post("/api/v1/auth/login", json={"username": "vic", "password": PASSWORD})
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    files = {"log": ("a.log", (logs_dir / LOG).read_bytes())}
    seen = client.post("/api/v1/boots", files=files, data={"project": "private"}, headers=csrf)
    assert seen.status_code == 403  # a viewer knows the project: no upload permission


def test_sign_in_refuses_posts_from_other_sites(client, db) -> None:
    with db.write() as session:
        accounts.create_user(session, username="ann", password=PASSWORD)
    form = {"username": "ann", "password": PASSWORD}
    for header in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/login"},
        {"Origin": "http://testserver.evil.example"},
    ):
        refused = client.post("/api/v1/auth/login", data=form, headers=header)
        assert refused.status_code == 403 and "cross-origin" in refused.json()["detail"], header
    assert "set-cookie" not in refused.headers
    for header in ({"Origin": "http://testserver"}, {"Referer": "http://testserver/login"}, {}):
        assert client.post("/api/v1/auth/login", data=form, headers=header).status_code == 200


def test_finding_fingerprints_are_checked(client, db, make_token, logs_dir: Path) -> None:
    token = make_token("acme", public=True)
    boot_id = upload(client, token, logs_dir / LOG).json()["id"]
    wait_for_status(client, boot_id, token)
    with db.write() as session:
        user = accounts.create_user(session, username="rev", password=PASSWORD)
        project = queries.get_or_create_project(session, name="acme")
        accounts.set_role(session, user=user, project=project, role="reviewer")
    login = client.post("/api/v1/auth/login", json={"username": "rev", "password": PASSWORD})
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    real = client.get(f"/api/v1/boots/{boot_id}/findings").json()["data"][0]["fingerprint"]
    for path, body in (
        ("findings/{}/status", {"status": "acknowledged"}),
        ("known-issues/{}", {"rule_id": "X-001"}),
    ):
        url = f"/api/v1/boots/{boot_id}/" + path
        assert client.put(url.format("x" * 10_000), json=body, headers=csrf).status_code == 422
        assert client.put(url.format("ZZZZ"), json=body, headers=csrf).status_code == 422
        unknown = client.put(url.format("0" * 16), json=body, headers=csrf)
        assert unknown.status_code == 404, unknown.text
        assert client.put(url.format(real), json=body, headers=csrf).status_code == 200


def test_openapi_lists_the_refusals(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]

    def codes(path: str, method: str) -> set[str]:
        return set(paths[f"/api/v1{path}"][method]["responses"])

    assert {"401", "403", "404", "413", "422", "503"} <= codes("/boots", "post")
    assert {"401", "404", "409", "422", "503"} <= codes("/boots/{boot_id}/result", "get")
    assert {"416"} <= codes("/boots/{boot_id}/log", "get")
    assert {"401", "403", "429", "422"} <= codes("/auth/login", "post")
    assert {"409", "404"} <= codes("/compare", "get")
    assert {"503"} <= codes("/health", "get")
