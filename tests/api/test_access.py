"""Who may do what: tokens confined to their project, roles, public projects, sessions, CSRF."""

from __future__ import annotations

from pathlib import Path

from app.db import accounts, queries
from tests.servicekit import bearer, upload, wait_for_status

LOG = "004-tianocore-bz1341-sev-pei-assert.log"


def make_user(db, username: str, project: str | None = None, role: str = "viewer") -> str:
    password = f"{username}-password"
    with db.write() as session:
        user = accounts.create_user(session, username=username, password=password)
        if project:
            target = queries.get_or_create_project(session, name=project)
            accounts.set_role(session, user=user, project=target, role=role)
    return password


def test_token_cannot_touch_another_project(client, make_token, logs_dir: Path) -> None:
    ours, theirs = make_token("ours"), make_token("theirs", "upload,read,admin")
    boot_id = upload(client, theirs, logs_dir / LOG).json()["id"]
    assert client.get(f"/api/v1/boots/{boot_id}", headers=bearer(ours)).status_code == 404
    for suffix in ("result", "findings", "devices", "timeline", "log"):
        url = f"/api/v1/boots/{boot_id}/{suffix}"
        assert client.get(url, headers=bearer(ours)).status_code == 404, suffix
    assert client.get("/api/v1/boots", headers=bearer(ours)).json()["count"] == 0
    denied = upload(client, ours, logs_dir / LOG, project="theirs")
    assert denied.status_code == 404  # a project the token cannot see is not revealed
    assert client.delete(f"/api/v1/boots/{boot_id}", headers=bearer(ours)).status_code == 404
    assert (
        client.post(f"/api/v1/boots/{boot_id}/reanalyse", headers=bearer(ours)).status_code == 404
    )


def test_token_scopes_are_enforced(client, make_token, logs_dir: Path) -> None:
    read_only, upload_only = make_token("p", "read"), make_token("p", "upload")
    assert upload(client, read_only, logs_dir / LOG).status_code == 403
    created = upload(client, upload_only, logs_dir / LOG)
    assert created.status_code == 202
    boot_id = created.json()["id"]
    assert client.get(f"/api/v1/boots/{boot_id}", headers=bearer(upload_only)).status_code == 404
    assert client.get(f"/api/v1/boots/{boot_id}", headers=bearer(read_only)).status_code == 200


def test_bad_token_is_401(client) -> None:
    response = client.get("/api/v1/boots", headers=bearer("cvmr_not-a-token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_anonymous_reads_only_public_projects(client, make_token, logs_dir: Path) -> None:
    private, public = make_token("private"), make_token("public", public=True)
    hidden = upload(client, private, logs_dir / LOG).json()["id"]
    shown = upload(client, public, logs_dir / LOG).json()["id"]
    wait_for_status(client, shown, None)
    assert client.get(f"/api/v1/boots/{shown}/findings").status_code == 200
    assert client.get(f"/api/v1/boots/{hidden}").status_code == 401
    assert [b["id"] for b in client.get("/api/v1/boots").json()["data"]] == [shown]
    assert upload(client, "", logs_dir / LOG, project="public").status_code == 401


def test_stored_tokens_and_passwords_are_hashed(db, make_token) -> None:
    from sqlalchemy import select

    from app.db.models import ApiToken, User

    secret = make_token()
    make_user(db, "alice")
    with db.read() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert secret not in stored and len(stored) == 1
        password_hash = session.scalar(select(User.password_hash))
        assert password_hash.startswith("$argon2") and "alice-password" not in password_hash


def test_login_sets_httponly_samesite_cookie(client, db) -> None:
    make_user(db, "bob", "acme", "viewer")
    wrong = client.post("/api/v1/auth/login", json={"username": "bob", "password": "nope"})
    assert wrong.status_code == 401
    response = client.post(
        "/api/v1/auth/login", json={"username": "bob", "password": "bob-password"}
    )
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    me = client.get("/api/v1/auth/me").json()
    assert me["username"] == "bob" and me["roles"] == {"acme": "viewer"}


def test_roles_decide_upload_and_csrf_guards_writes(client, db, logs_dir: Path) -> None:
    make_user(db, "vera", "acme", "viewer")
    make_user(db, "rex", "acme", "reviewer")
    log = {"log": ("a.log", (logs_dir / LOG).read_bytes())}
    login = client.post(
        "/api/v1/auth/login", data={"username": "vera", "password": "vera-password"}
    )
    csrf = login.json()["csrf_token"]
    viewer = client.post(
        "/api/v1/boots", files=log, data={"project": "acme"}, headers={"X-CSRF-Token": csrf}
    )
    assert viewer.status_code == 403
    login = client.post("/api/v1/auth/login", json={"username": "rex", "password": "rex-password"})
    csrf = login.json()["csrf_token"]
    no_csrf = client.post("/api/v1/boots", files=log, data={"project": "acme"})
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["detail"]
    ok = client.post(
        "/api/v1/boots", files=log, data={"project": "acme"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 202, ok.text
    assert client.get(f"/api/v1/boots/{ok.json()['id']}").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    assert client.get(f"/api/v1/boots/{ok.json()['id']}").status_code == 401
