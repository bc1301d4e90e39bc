"""Fixtures of the page tests: analysed boots in the database, a client, signed-in users.

Boots are ingested by the service's own ``ingest_boot`` (what the upload endpoint calls) and
analysed by the real worker function (``process_run``) before the app starts, on both
backends of the root ``settings`` fixture.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import app.db.review  # noqa: F401  (registers the review tables on Base.metadata)
from app.config import Settings
from app.db import accounts, queries
from app.db.blobs import Limits
from app.db.session import Database
from app.service.ingest import ingest_boot, project_named
from app.service.processing import JobSettings, process_run
from app.synth import get_demo, write_log

LIMITS = Limits(max_bytes=1 << 30, max_decompressed=1 << 30, max_ratio=1000.0)
SEV_ES_LOG = "003-tianocore-bz1354-sev-es-ovmf-debug.log"


def synthesized_log(name: str) -> bytes:
    buffer = io.BytesIO()
    write_log(get_demo(name), buffer)
    return buffer.getvalue()


@dataclass
class BootMaker:
    db: Database

    def __call__(
        self,
        content: bytes,
        *,
        name: str,
        project: str = "acme",
        public: bool = True,
        branch: str | None = None,
        commit: str | None = None,
        synthesized: bool = False,
        analyse: bool = True,
        provenance: str | None = None,
    ) -> int:
        """A boot of ``content`` in ``project``, analysed unless ``analyse`` is False."""
        fields = queries.BootFields(
            name=name,
            branch=branch,
            commit=commit,
            synthesized=synthesized,
            provenance=provenance,
        )
        ingested = ingest_boot(
            self.db,
            project=project_named(self.db, project, public_read=public),
            fields=fields,
            log=io.BytesIO(content),
            limits=LIMITS,
        )
        assert ingested.run_id is not None
        if analyse:
            assert process_run(self.db, ingested.run_id, settings=JobSettings()) == "done"
        return ingested.boot_id

    def reanalyse(self, boot_id: int) -> None:
        with self.db.write() as session:
            boot = queries.get_boot(session, boot_id=boot_id)
            assert boot is not None
            run_id = queries.create_run(session, boot=boot).id
        assert process_run(self.db, run_id, settings=JobSettings()) == "done"


@pytest.fixture
def make_boot(db: Database) -> BootMaker:
    return BootMaker(db)


@pytest.fixture
def web_client(settings: Settings) -> Iterator[Any]:
    """A TestClient without embedded workers (tests analyse boots themselves)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings, workers=0)) as client:
        yield client


@pytest.fixture
def make_user(db: Database) -> Callable[..., None]:
    """``make_user(name, role, project="acme")``: an account with a role in the project."""

    def factory(username: str, role: str | None = "reviewer", project: str = "acme") -> None:
        with db.write() as session:
            user = accounts.create_user(session, username=username, password="password-123")
            if role is not None:
                target = queries.get_or_create_project(session, name=project)
                accounts.set_role(session, user=user, project=target, role=role)

    return factory


def sign_in(client: Any, username: str) -> str:
    """Sign ``client`` in (session cookie); returns the CSRF token for writes."""
    response = client.post(
        "/api/v1/auth/login", json={"username": username, "password": "password-123"}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


@pytest.fixture
def sev_es_log(logs_dir: Path) -> bytes:
    return (logs_dir / SEV_ES_LOG).read_bytes()
