"""Refused uploads: limits answer 413, unusable input 422, always JSON, nothing stored."""

from __future__ import annotations

import gzip
import os
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.models import Blob, Boot
from app.main import create_app
from tests.conftest import make_settings
from tests.servicekit import bearer, upload

KIB = 1024


@pytest.fixture
def client_with(tmp_path: Path, database_url: str):
    """``client_with(**limits)`` -> a TestClient whose settings have those limits."""
    with ExitStack() as stack:

        def build(**limits: float) -> TestClient:
            settings = make_settings(tmp_path, database_url, **limits)
            return stack.enter_context(TestClient(create_app(settings)))

        yield build


@pytest.fixture
def small_client(client_with) -> TestClient:
    return client_with(
        max_upload_bytes=64 * KIB, max_decompressed_bytes=2048 * KIB, max_gzip_ratio=20
    )


def assert_nothing_stored(db) -> None:
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Boot)) == 0
        assert session.scalar(select(func.count()).select_from(Blob)) == 0


def test_upload_over_size_limit_is_413(small_client, make_token, db) -> None:
    response = upload(small_client, make_token(), os.urandom(200 * KIB))
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert_nothing_stored(db)


def test_upload_gzip_bomb_is_413(small_client, make_token, db) -> None:
    bomb = gzip.compress(b"A" * (1536 * KIB))  # within the size limit, expands ~1000 times
    assert len(bomb) < 64 * KIB
    response = upload(small_client, make_token(), bomb, name="bomb.log.gz")
    assert response.status_code == 413
    assert "expands more than 20 times" in response.json()["detail"]
    assert_nothing_stored(db)


def test_upload_over_decompressed_limit_is_413(client_with, make_token, db) -> None:
    client = client_with(
        max_upload_bytes=64 * KIB, max_decompressed_bytes=512 * KIB, max_gzip_ratio=1000
    )
    lines = b"".join(b"Loading driver %06d\n" % (i // 8) for i in range(40_000))  # ~840 KiB
    packed = gzip.compress(lines, 9)
    assert len(packed) < 64 * KIB
    response = upload(client, make_token(), packed, name="big.log.gz")
    assert response.status_code == 413
    assert "decompressed log is larger" in response.json()["detail"]
    assert_nothing_stored(db)


def test_upload_within_limits_is_accepted(client_with, make_token) -> None:
    client = client_with(max_upload_bytes=64 * KIB, max_decompressed_bytes=1024 * KIB)
    lines = b"SEV is enabled (mask 0x8000000000000)\n"  # a log: one line the engine knows
    lines += b"".join(b"Loading driver %06d\n" % (i // 8) for i in range(40_000))
    assert upload(client, make_token(), gzip.compress(lines, 9)).status_code == 202


def test_upload_corrupt_gzip_is_422(small_client, make_token, db) -> None:
    data = gzip.compress(b"Loading driver at 0x1000\n" * 100)
    broken = data[:20] + b"\x00" * 10 + data[30:]
    response = upload(small_client, make_token(), broken)
    assert response.status_code == 422
    assert "gzip" in response.json()["detail"]
    truncated = upload(small_client, make_token(), data[: len(data) // 2])
    assert truncated.status_code == 422
    assert_nothing_stored(db)


def test_upload_empty_log_is_422(client, make_token, db) -> None:
    response = upload(client, make_token(), b"")
    assert response.status_code == 422
    assert "empty" in response.json()["detail"]
    assert_nothing_stored(db)


def test_upload_without_log_is_422(client, make_token) -> None:
    response = client.post("/api/v1/boots", data={"name": "x"}, headers=bearer(make_token()))
    assert response.status_code == 422
    assert response.json()["detail"]


def test_upload_bad_firmware_metadata_is_422(client, make_token, logs_dir: Path, db) -> None:
    log = (logs_dir / "004-tianocore-bz1341-sev-pei-assert.log").read_bytes()
    for metadata in (b"{not json", b"[1, 2]"):
        response = client.post(
            "/api/v1/boots",
            files={"log": ("a.log", log), "firmware_metadata": ("m.json", metadata)},
            headers=bearer(make_token()),
        )
        assert response.status_code == 422, response.text
    assert_nothing_stored(db)


def test_upload_bad_fields_are_422(client, make_token, logs_dir: Path) -> None:
    token = make_token()
    log = logs_dir / "004-tianocore-bz1341-sev-pei-assert.log"
    assert upload(client, token, log, ci_url="javascript:alert(1)").status_code == 422
    assert upload(client, token, log, commit="x" * 65).status_code == 422
    assert upload(client, token, log, tags=",".join(f"t{i}" for i in range(40))).status_code == 422


def test_upload_of_a_firmware_image_as_log_is_422(client, make_token, db) -> None:
    """The most common wrong file: OVMF_CODE.fd given as the log (binary, a firmware volume)."""
    image = Path("/usr/share/OVMF/OVMF_CODE_4M.fd").read_bytes()
    for data in (image, gzip.compress(image)):
        response = upload(client, make_token(), data)
        assert response.status_code == 422, response.text
        assert "firmware volume" in response.json()["detail"]
    assert_nothing_stored(db)


def test_upload_of_text_without_a_single_log_line_is_422(client, make_token, db) -> None:
    response = upload(client, make_token(), b"# my notes\nnothing to see here\n")
    assert response.status_code == 422
    assert "not a log" in response.json()["detail"]
    assert_nothing_stored(db)
