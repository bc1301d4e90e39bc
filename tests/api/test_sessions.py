"""Sessions end on the server: after logout or a password change the old cookie and its CSRF
token are worthless (not just deleted from the browser)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.db import accounts, queries
from app.http.auth import SESSION_COOKIE

PASSWORD = "password-123"


def make_reviewer(db, username: str = "rita") -> None:
    with db.write() as session:
        user = accounts.create_user(session, username=username, password=PASSWORD)
        project = queries.get_or_create_project(session, name="acme")
        accounts.set_role(session, user=user, project=project, role="reviewer")


def sign_in(client: TestClient, username: str = "rita") -> tuple[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client.cookies[SESSION_COOKIE], response.json()["csrf_token"]


def replay(client: TestClient, cookie: str, csrf: str) -> tuple[int, int]:
    """(GET /auth/me, a cookie-authenticated write) with a copied cookie and CSRF token."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    me = client.get("/api/v1/auth/me").status_code
    write = client.post(
        "/api/v1/boots",
        files={"log": ("a.log", b"hello\n")},
        data={"project": "acme"},
        headers={"X-CSRF-Token": csrf},
    )
    return me, write.status_code


def test_logout_revokes_the_session_server_side(client, db) -> None:
    make_reviewer(db)
    cookie, csrf = sign_in(client)
    assert replay(client, cookie, csrf) == (200, 202)
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert replay(client, cookie, csrf) == (401, 401)


def test_logout_ends_every_session_of_the_user(client, db) -> None:
    make_reviewer(db)
    first = sign_in(client)
    client.cookies.clear()
    second = sign_in(client)
    assert (
        client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": second[1]}).status_code == 204
    )
    assert replay(client, *first)[0] == 401


def test_password_change_revokes_sessions(client, db) -> None:
    make_reviewer(db)
    cookie, csrf = sign_in(client)
    with db.write() as session:
        user = accounts.get_user(session, username="rita")
        assert user is not None
        accounts.set_password(session, user=user, password="a-new-password")
    assert replay(client, cookie, csrf) == (401, 401)
    response = client.post(
        "/api/v1/auth/login", json={"username": "rita", "password": "a-new-password"}
    )
    assert response.status_code == 200


def test_other_users_sessions_survive_a_logout(client, db) -> None:
    make_reviewer(db, "rita")
    make_reviewer(db, "sam")
    sam = sign_in(client, "sam")
    client.cookies.clear()
    rita = sign_in(client, "rita")
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": rita[1]}).status_code == 204
    assert replay(client, *sam) == (200, 202)
