"""Access control route by route, from the routing table: every principal on every route.

Each route of ``create_app`` (API, pages, documentation, static files) must have a row in
``ROUTES`` naming the access rule it follows; a new route without one fails
``test_every_route_has_an_expectation``, so none can be forgotten. Each rule says, for every
principal (anonymous, a bad token, a token of each scope, a token of another project, each
role, the site admin, an admin of another project), whether the request gets through or the
exact refusal. "Through" means any answer but 401/403/404 (and never a 5xx).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import accounts, queries
from app.db.blobs import Limits
from app.db.session import Database
from app.http.auth import SESSION_COOKIE
from app.main import create_app
from app.service.ingest import ingest_boot
from app.service.processing import JobSettings, process_run
from app.synth import get_demo, write_log

LOG = "004-tianocore-bz1341-sev-pei-assert.log"
PASSWORD = "password-123"
OK = "ok"
TOKENS = {
    "token-upload": ("acme", "upload"),
    "token-read": ("acme", "read"),
    "token-admin": ("acme", "upload,read,admin"),
    "token-other": ("other", "upload,read,admin"),
}
PEOPLE = {
    "viewer": ("acme", "viewer", False),
    "reviewer": ("acme", "reviewer", False),
    "admin": ("acme", "admin", False),
    "site-admin": (None, None, True),
    "other-admin": ("other", "admin", False),
}
PRINCIPALS = ("anonymous", "bad-token", *TOKENS, *PEOPLE)

READERS = {"token-read", "token-admin", "viewer", "reviewer", "admin", "site-admin"}
OUTSIDERS = {"token-upload": 404, "token-other": 404, "other-admin": 404}


def rule(allowed: set[str], **refused: int) -> dict[str, object]:
    """Every principal's expectation: OK for ``allowed``, else a status (``refused`` or the
    defaults: anonymous and a bad token 401, callers who may not see the boot 404)."""
    table: dict[str, object] = {"anonymous": 401, "bad-token": 401, **OUTSIDERS}
    table.update({name.replace("_", "-"): code for name, code in refused.items()})
    table.update({name: OK for name in allowed})
    missing = set(PRINCIPALS) - set(table)
    assert not missing, missing
    return table


PUBLIC = rule(set(PRINCIPALS))
PUBLIC_BUT_TOKEN_CHECKED = rule(set(PRINCIPALS) - {"bad-token"})
READ_BOOT = rule(READERS)
UPLOAD_BOOT = rule({"token-admin", "reviewer", "admin", "site-admin"}, viewer=403, token_read=403)
ADMIN_BOOT = rule({"token-admin", "admin", "site-admin"}, token_read=403, viewer=403, reviewer=403)
REVIEW = rule({"reviewer", "admin", "site-admin"}, token_read=401, token_admin=401, viewer=403)
UPLOAD_TO_PROJECT = rule(
    {"token-upload", "token-admin", "reviewer", "admin", "site-admin"}, token_read=403, viewer=403
)
PEOPLE_ONLY = rule(set(PEOPLE), **{name.replace("-", "_"): 401 for name in TOKENS})
ANY_ADMIN = rule(
    {"token-admin", "token-other", "admin", "site-admin", "other-admin"},
    anonymous=403,
    token_upload=403,
    token_read=403,
    viewer=403,
    reviewer=403,
)


@dataclass
class World:
    """The data every request is made against: project acme with an analysed boot."""

    db: Database
    boot_id: int
    fingerprint: str
    log: bytes
    fresh_boots: list[int] = field(default_factory=list)
    device_boot: tuple[int, str] | None = None

    def fresh_boot(self) -> int:
        """A new boot (for requests that delete theirs)."""
        return make_boot(self.db, self.log, analyse=False)

    def device_url(self, prefix: str) -> str:
        """``{prefix}/boots/{id}/devices/{device}`` of an analysed boot with DMA devices (the
        world's own log has none), made on first use."""
        if self.device_boot is None:
            log = io.BytesIO()
            write_log(get_demo("sev-snp-driver-bugs"), log)
            boot = make_boot(self.db, log.getvalue(), analyse=True)
            with self.db.read() as session:
                row = queries.get_boot(session, boot_id=boot)
                assert row is not None
                device = queries.list_device_stats(session, boot=row)[0].device
            self.device_boot = (boot, device)
        boot, device = self.device_boot
        return f"{prefix}/boots/{boot}/devices/{quote(device)}"


@dataclass(frozen=True)
class Call:
    url: str
    json: Any = None
    files: Any = None
    data: Any = None


def boot_call(suffix: str = "", **kwargs: Any) -> Callable[[World], Call]:
    return lambda w: Call(f"/api/v1/boots/{w.boot_id}{suffix}", **kwargs)


def page_call(suffix: str = "") -> Callable[[World], Call]:
    return lambda w: Call(f"/boots/{w.boot_id}{suffix}")


def upload_call(w: World) -> Call:
    return Call("/api/v1/boots", files={"log": ("a.log", w.log)}, data={"project": "acme"})


ROUTES: dict[str, tuple[Callable[[World], Call], dict[str, object]]] = {
    "GET /api/v1/openapi.json": (lambda w: Call("/api/v1/openapi.json"), PUBLIC),
    "GET /docs": (lambda w: Call("/docs"), PUBLIC),
    "GET /redoc": (lambda w: Call("/redoc"), PUBLIC),
    "GET /static": (lambda w: Call("/static/app.js"), PUBLIC),
    "POST /api/v1/boots": (upload_call, UPLOAD_TO_PROJECT),
    "GET /api/v1/boots": (lambda w: Call("/api/v1/boots"), PUBLIC_BUT_TOKEN_CHECKED),
    "POST /api/v1/boots/reanalyse-stale": (
        lambda w: Call("/api/v1/boots/reanalyse-stale"),
        ANY_ADMIN,
    ),
    "GET /api/v1/boots/{boot_id}": (boot_call(), READ_BOOT),
    "DELETE /api/v1/boots/{boot_id}": (
        lambda w: Call(f"/api/v1/boots/{w.fresh_boot()}"),
        ADMIN_BOOT,
    ),
    "POST /api/v1/boots/{boot_id}/reanalyse": (boot_call("/reanalyse"), UPLOAD_BOOT),
    "GET /api/v1/boots/{boot_id}/result": (boot_call("/result"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/timeline": (boot_call("/timeline"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/blame": (boot_call("/blame"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/findings": (boot_call("/findings"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/devices": (boot_call("/devices"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/log": (boot_call("/log?start=1&end=3"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/log/search": (boot_call("/log/search?q=PEI"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/log.gz": (boot_call("/log.gz"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/devices/{device:path}": (
        lambda w: Call(w.device_url("/api/v1")),
        READ_BOOT,
    ),
    "GET /boots/{boot_id}/devices/{device:path}": (lambda w: Call(w.device_url("")), READ_BOOT),
    "GET /boots/{boot_id}/tables/{table}.{fmt}": (page_call("/tables/findings.csv"), READ_BOOT),
    "GET /api/v1/projects": (lambda w: Call("/api/v1/projects"), PUBLIC_BUT_TOKEN_CHECKED),
    "POST /api/v1/auth/login": (
        lambda w: Call("/api/v1/auth/login", json={"username": "viewer", "password": PASSWORD}),
        PUBLIC,
    ),
    "POST /api/v1/auth/logout": (lambda w: Call("/api/v1/auth/logout"), PUBLIC_BUT_TOKEN_CHECKED),
    "GET /api/v1/auth/me": (lambda w: Call("/api/v1/auth/me"), PEOPLE_ONLY),
    "GET /api/v1/health": (lambda w: Call("/api/v1/health"), PUBLIC),
    "GET /api/v1/boots/{boot_id}/comments": (boot_call("/comments"), READ_BOOT),
    "POST /api/v1/boots/{boot_id}/comments": (
        boot_call("/comments", json={"body": "checked"}),
        REVIEW,
    ),
    "PUT /api/v1/boots/{boot_id}/findings/{fingerprint}/status": (
        lambda w: Call(
            f"/api/v1/boots/{w.boot_id}/findings/{w.fingerprint}/status",
            json={"status": "acknowledged"},
        ),
        REVIEW,
    ),
    "PUT /api/v1/boots/{boot_id}/known-issues/{fingerprint}": (
        lambda w: Call(
            f"/api/v1/boots/{w.boot_id}/known-issues/{w.fingerprint}", json={"rule_id": "X-001"}
        ),
        REVIEW,
    ),
    "DELETE /api/v1/boots/{boot_id}/known-issues/{fingerprint}": (
        lambda w: Call(f"/api/v1/boots/{w.boot_id}/known-issues/{w.fingerprint}"),
        REVIEW,
    ),
    "GET /api/v1/boots/{boot_id}/review": (boot_call("/review"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/timeline/window": (boot_call("/timeline/window"), READ_BOOT),
    "GET /api/v1/compare": (
        lambda w: Call(f"/api/v1/compare?a={w.boot_id}&b={w.boot_id}"),
        READ_BOOT,
    ),
    "GET /api/v1/boots/{boot_id}/export/{format_name}": (boot_call("/export/sarif"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/verdict": (boot_call("/verdict"), READ_BOOT),
    "GET /api/v1/boots/{boot_id}/baseline": (boot_call("/baseline"), READ_BOOT),
    "GET /api/v1/projects/{project}/verdict-policy": (
        lambda w: Call("/api/v1/projects/acme/verdict-policy"),
        READ_BOOT,
    ),
    "PUT /api/v1/projects/{project}/verdict-policy": (
        lambda w: Call("/api/v1/projects/acme/verdict-policy", json={"fail_on": "high"}),
        ADMIN_BOOT,
    ),
    "GET /api/v1/projects/{project}/badge.svg": (
        lambda w: Call("/api/v1/projects/acme/badge.svg"),
        READ_BOOT,
    ),
    "GET /api/v1/projects/{project}/history": (
        lambda w: Call("/api/v1/projects/acme/history?branch=main"),
        READ_BOOT,
    ),
    "GET /projects/{project}/history": (
        lambda w: Call("/projects/acme/history?branch=main"),
        READ_BOOT,
    ),
    "GET /boots": (lambda w: Call("/boots"), PUBLIC_BUT_TOKEN_CHECKED),
    "GET /": (lambda w: Call("/"), PUBLIC_BUT_TOKEN_CHECKED),
    "GET /boots/{boot_id}": (page_call(), READ_BOOT),
    "GET /boots/{boot_id}/log": (page_call("/log"), READ_BOOT),
    "GET /boots/{boot_id}/blame": (page_call("/blame"), READ_BOOT),
    "GET /boots/{boot_id}/log/lines": (page_call("/log/lines?start=1&count=5"), READ_BOOT),
    "GET /compare": (lambda w: Call(f"/compare?a={w.boot_id}&b={w.boot_id}"), READ_BOOT),
    "GET /login": (lambda w: Call("/login"), PUBLIC_BUT_TOKEN_CHECKED),
}
LAST = "POST /api/v1/auth/logout"  # ends the people's sessions: run after everything else


def route_keys(app: FastAPI) -> list[str]:
    """``"METHOD path"`` of every route, included routers flattened; ``Mount``s by path."""
    from fastapi import routing

    iterate = getattr(routing, "iter_route_contexts", None)
    entries = list(iterate(app.routes)) if iterate else list(app.routes)
    keys = []
    for entry in entries:
        methods = getattr(entry, "methods", None) or {"GET"}
        keys += [f"{method} {entry.path}" for method in sorted(methods - {"HEAD"})]
    return keys


def make_boot(db: Database, log: bytes, *, analyse: bool) -> int:
    project = queries_project(db, "acme")
    ingested = ingest_boot(
        db,
        project=project,
        fields=queries.BootFields(name="access"),
        log=io.BytesIO(log),
        limits=Limits(1 << 30, 1 << 30, 1000.0),
    )
    assert ingested.run_id is not None
    if analyse:
        assert process_run(db, ingested.run_id, settings=JobSettings()) == "done"
    return ingested.boot_id


def queries_project(db: Database, name: str):
    with db.write() as session:
        return queries.get_or_create_project(session, name=name)


def credentials(db: Database, client: TestClient) -> dict[str, dict[str, str]]:
    """Headers for each principal: a Bearer token, or a session cookie and its CSRF token."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}, "bad-token": {}}
    headers["bad-token"] = {"Authorization": "Bearer cvmr_not-a-token"}
    with db.write() as session:
        for name, (project, scopes) in TOKENS.items():
            target = queries.get_or_create_project(session, name=project)
            _, secret = accounts.create_token(session, project=target, scopes=scopes.split(","))
            headers[name] = {"Authorization": f"Bearer {secret}"}
        for name, (project, role, site_admin) in PEOPLE.items():
            user = accounts.create_user(
                session, username=name, password=PASSWORD, is_admin=site_admin
            )
            if project and role:
                target = queries.get_or_create_project(session, name=project)
                accounts.set_role(session, user=user, project=target, role=role)
    for name in PEOPLE:
        login = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        cookie = client.cookies[SESSION_COOKIE]
        client.cookies.clear()
        headers[name] = {
            "Cookie": f"{SESSION_COOKIE}={cookie}",
            "X-CSRF-Token": login.json()["csrf_token"],
        }
    return headers


def test_every_route_has_an_expectation(settings) -> None:
    keys = route_keys(create_app(settings, workers=0))
    missing = sorted(set(keys) - set(ROUTES))
    assert not missing, f"routes without an access expectation in ROUTES: {missing}"
    stale = sorted(set(ROUTES) - set(keys))
    assert not stale, f"ROUTES names routes that no longer exist: {stale}"


def test_every_principal_on_every_route(settings, db: Database, logs_dir: Path) -> None:
    log = (logs_dir / LOG).read_bytes()
    boot_id = make_boot(db, log, analyse=True)
    with db.read() as session:
        boot = queries.get_boot(session, boot_id=boot_id)
        assert boot is not None
        fingerprint = queries.list_findings(session, boot=boot)[0].fingerprint
    world = World(db, boot_id, fingerprint, log)
    settings = settings.model_copy(update={"login_max_failures": 1000})
    app = create_app(settings, workers=0)
    wrong: list[str] = []
    with TestClient(app) as client:
        headers = credentials(db, client)
        order = sorted(route_keys(app), key=lambda key: key == LAST)
        for key in order:
            make_call, expected = ROUTES[key]
            method = key.split(" ", 1)[0]
            for principal in PRINCIPALS:
                call = make_call(world)
                response = client.request(
                    method,
                    call.url,
                    json=call.json,
                    files=call.files,
                    data=call.data,
                    headers=headers[principal],
                )
                client.cookies.clear()
                got = response.status_code
                want = expected[principal]
                passed = got not in (401, 403, 404) and got < 500 if want == OK else got == want
                if not passed:
                    wrong.append(f"{key} as {principal}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
