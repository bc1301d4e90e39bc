"""The cookie key: random and kept in the data directory unless configured; a weak configured
key is refused for other machines and warned about for this one."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import click
import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from app.config import DEFAULT_SECRET, SECRET_FILE
from app.db import accounts
from app.entrypoints import check_secret
from app.http.auth import SESSION_COOKIE
from app.main import create_app
from tests.conftest import make_settings
from tests.servicekit import CVMREVIEW, ROOT, free_port, service_env


def forged_cookie(secret: str, user_id: int) -> str:
    serializer = URLSafeTimedSerializer(secret, salt="cvmreview-session")
    return serializer.dumps({"u": user_id, "v": 1, "n": "forged"})


def test_unset_secret_is_generated_once_and_kept(tmp_path: Path, database_url, db) -> None:
    with db.write() as session:
        admin = accounts.create_user(
            session, username="root", password="password-123", is_admin=True
        )
    settings = make_settings(tmp_path, database_url, secret_key="")
    first = create_app(settings).state.settings.secret_key
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and first != DEFAULT_SECRET
    assert create_app(settings).state.settings.secret_key == first
    with TestClient(create_app(settings, workers=0)) as client:
        for secret in (DEFAULT_SECRET, ""):
            client.cookies.set(SESSION_COOKIE, forged_cookie(secret or "x", admin.id))
            assert client.get("/api/v1/auth/me").status_code == 401
        client.cookies.set(SESSION_COOKIE, forged_cookie(first, admin.id))
        assert client.get("/api/v1/auth/me").status_code == 200  # the kept key signs


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short"])
def test_weak_secret_refused_off_loopback_and_warned_on_it(tmp_path: Path, secret: str) -> None:
    settings = make_settings(tmp_path, "sqlite://", secret_key=secret)
    for host in ("0.0.0.0", "192.0.2.1", "::", "example.org"):
        with pytest.raises(click.ClickException, match="refusing to serve"):
            check_secret(settings, host)
    for host in ("127.0.0.1", "localhost", "::1"):
        warning = check_secret(settings, host)
        assert warning and "forge a session cookie" in warning
    assert (
        check_secret(make_settings(tmp_path, "sqlite://", secret_key="x" * 40), "0.0.0.0") is None
    )


def test_serve_exits_before_listening_with_the_default_secret(tmp_path: Path) -> None:
    env = service_env(CVMREVIEW_SECRET_KEY=DEFAULT_SECRET, CVMREVIEW_DATA_DIR=str(tmp_path))
    port = str(free_port())
    result = subprocess.run(
        [*CVMREVIEW, "serve", "--host", "0.0.0.0", "--port", port],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to serve on 0.0.0.0" in result.stderr
