"""Sign-in: bad bodies are 422, repeated failures lock a username and address out (429)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db import accounts
from app.main import create_app
from tests.conftest import make_settings

PASSWORD = "password-123"


@pytest.fixture
def login_app(tmp_path: Path, database_url: str, db):
    with db.write() as session:
        accounts.create_user(session, username="alice", password=PASSWORD)
    settings = make_settings(tmp_path, database_url, login_max_failures=3)
    return create_app(settings, workers=0)


def login(client: TestClient, username: str, password: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b'"alice"', "application/json"),
        (b"null", "application/json"),
        (b"{not json", "application/json"),
        (b"[" * 100_000, "application/json"),
        (b'{"username": "alice"}', "application/json"),
        (b'{"username": 1, "password": 2}', "application/json"),
        (b"", "application/x-www-form-urlencoded"),
        (b"username=alice", "application/x-www-form-urlencoded"),
    ],
)
def test_unusable_login_body_is_422_with_detail(login_app, body: bytes, content_type: str) -> None:
    with TestClient(login_app) as client:
        response = client.post(
            "/api/v1/auth/login", content=body, headers={"content-type": content_type}
        )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_repeated_failures_lock_out_with_retry_after(login_app) -> None:
    with TestClient(login_app) as client:
        for _ in range(3):
            assert login(client, "alice", "wrong-password").status_code == 401
        locked = login(client, "alice", PASSWORD)  # even the right password waits
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        assert "too many failed sign-ins" in locked.json()["detail"]
        assert login(client, "ALICE ", PASSWORD).status_code == 429  # same account
    with TestClient(login_app, client=("192.0.2.7", 40000)) as elsewhere:
        assert login(elsewhere, "alice", PASSWORD).status_code == 200  # other address


def test_success_clears_the_failures(login_app) -> None:
    with TestClient(login_app) as client:
        for _ in range(2):
            assert login(client, "alice", "wrong-password").status_code == 401
        assert login(client, "alice", PASSWORD).status_code == 200
        for _ in range(2):
            assert login(client, "alice", "wrong-password").status_code == 401
        assert login(client, "alice", PASSWORD).status_code == 200


def test_unknown_users_are_throttled_too(login_app) -> None:
    with TestClient(login_app) as client:
        for _ in range(3):
            assert login(client, "mallory", "guess-guess").status_code == 401
        assert login(client, "mallory", "guess-guess").status_code == 429
