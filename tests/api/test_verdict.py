"""Verdicts over HTTP on both backends: a finding fails the boot, marking it a known issue (or a
false positive) makes later uploads of the same log pass, ``strict`` ignores that triage, and a
new policy version changes what fails."""

from __future__ import annotations

import io

import pytest

from app.db import accounts, queries
from tests.servicekit import bearer, upload, wait_for_status

SLOT_BUG = "tdx-pool-duplicate-slot-bug"  # POOL-002 (high), BOOT-003 (info)


@pytest.fixture(scope="module")
def slot_log() -> bytes:
    from app.synth import get_demo, write_log

    buffer = io.BytesIO()
    write_log(get_demo(SLOT_BUG), buffer)
    return buffer.getvalue()


def analysed(client, token: str, content: bytes) -> int:
    boot_id: int = upload(client, token, content, name=f"{SLOT_BUG}.log").json()["id"]
    assert wait_for_status(client, boot_id, token)["status"] == "done"
    return boot_id


def verdict(client, token: str, boot_id: int, **params: str) -> dict:
    response = client.get(f"/api/v1/boots/{boot_id}/verdict", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def reviewer_csrf(client, db) -> str:
    with db.write() as session:
        user = accounts.create_user(session, username="rita", password="rita-password")
        project = queries.get_or_create_project(session, name="acme")
        accounts.set_role(session, user=user, project=project, role="reviewer")
    login = client.post(
        "/api/v1/auth/login", json={"username": "rita", "password": "rita-password"}
    )
    assert login.status_code == 200, login.text
    csrf: str = login.json()["csrf_token"]
    return csrf


def mark_known(client, db, boot_id: int, fingerprint: str, *, note: str = "") -> None:
    """A reviewer marks the POOL-002 finding ``fingerprint`` a known issue of the project."""
    csrf = reviewer_csrf(client, db)
    known = client.put(
        f"/api/v1/boots/{boot_id}/known-issues/{fingerprint}",
        json={"rule_id": "POOL-002", "note": note},
        headers={"X-CSRF-Token": csrf},
    )
    assert known.status_code == 200, known.text
    client.cookies.clear()


def test_triage_decides_the_verdict_unless_strict(client, db, make_token, slot_log) -> None:
    token = make_token()
    first = analysed(client, token, slot_log)
    failed = verdict(client, token, first)
    assert (failed["verdict"], failed["policy_version"]) == ("fail", 0)
    [reason] = failed["reasons"]
    assert (reason["rule_id"], reason["severity"], reason["triaged"]) == ("POOL-002", "high", None)
    assert reason["first_line"] is not None and "at or above high" in reason["why"]

    mark_known(client, db, first, reason["fingerprint"], note="upstream fix pending")
    second = analysed(client, token, slot_log)  # a re-upload: the same finding persists
    passed = verdict(client, token, second)
    assert passed["verdict"] == "pass" and passed["reasons"][0]["triaged"] == "known issue"
    assert verdict(client, token, second, strict="true")["verdict"] == "fail"


def test_false_positive_carries_to_later_boots(client, db, make_token, slot_log) -> None:
    token = make_token()
    first = analysed(client, token, slot_log)
    fingerprint = verdict(client, token, first)["reasons"][0]["fingerprint"]
    csrf = reviewer_csrf(client, db)
    marked = client.put(
        f"/api/v1/boots/{first}/findings/{fingerprint}/status",
        json={"status": "false-positive"},
        headers={"X-CSRF-Token": csrf},
    )
    assert marked.status_code == 200, marked.text
    client.cookies.clear()
    later = verdict(client, token, analysed(client, token, slot_log))
    assert later["verdict"] == "pass" and later["reasons"][0]["triaged"] == "false positive"


def test_policy_versions_change_what_fails(client, make_token, slot_log) -> None:
    admin = make_token(scopes="upload,read,admin")
    reader = make_token()
    url = "/api/v1/projects/acme/verdict-policy"
    assert client.get(url, headers=bearer(reader)).json() == {
        "version": 0,
        "fail_on": "high",
        "fail_rules": [],
        "fail_on_new": False,
        "max_shared_pages": None,
        "max_transitions": None,
        "max_bounce_bytes": None,
        "max_debug_exits": None,
    }
    body = {"fail_on": "none", "fail_rules": ["BOOT-003"]}
    assert client.put(url, json=body, headers=bearer(reader)).status_code == 403
    bad = client.put(url, json={"fail_on": "severe"}, headers=bearer(admin))
    assert bad.status_code == 422 and "severe" in bad.json()["detail"]
    unknown = client.put(url, json={"fail_rules": ["NOPE-1"]}, headers=bearer(admin))
    assert unknown.status_code == 422 and "NOPE-1" in unknown.json()["detail"]
    stored = client.put(url, json=body, headers=bearer(admin))
    assert stored.status_code == 200 and stored.json()["version"] == 1
    judged = verdict(client, admin, analysed(client, admin, slot_log))
    assert (judged["verdict"], judged["policy_version"]) == ("fail", 1)
    assert [r["rule_id"] for r in judged["reasons"]] == ["BOOT-003"]
    assert (
        client.get("/api/v1/projects/nowhere/verdict-policy", headers=bearer(admin)).status_code
        == 404
    )


def test_pending_before_the_analysis(settings, make_token, slot_log) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    token = make_token()
    with TestClient(create_app(settings, workers=0)) as client:
        boot_id = upload(client, token, slot_log, name="x.log").json()["id"]
        pending = verdict(client, token, boot_id)
        assert (pending["verdict"], pending["reasons"]) == ("pending", [])


def test_badge_shows_the_newest_verdict_of_a_branch(client, make_token, slot_log) -> None:
    import xml.etree.ElementTree as ET

    token = make_token(public=True)
    url = "/api/v1/projects/acme/badge.svg"
    empty = client.get(url, params={"branch": "main"})
    assert empty.status_code == 200 and empty.headers["content-type"] == "image/svg+xml"
    assert ET.fromstring(empty.text).find("{http://www.w3.org/2000/svg}title").text == (
        "cvmreview main: none"
    )
    boot_id = upload(client, token, slot_log, name="a.log", branch="main").json()["id"]
    assert wait_for_status(client, boot_id, token)["status"] == "done"
    badge = ET.fromstring(client.get(url, params={"branch": "main"}).text)
    assert badge.find("{http://www.w3.org/2000/svg}title").text == "cvmreview main: fail"
    other = ET.fromstring(client.get(url, params={"branch": "dev"}).text)
    assert other.find("{http://www.w3.org/2000/svg}title").text == "cvmreview dev: none"
    # Anonymous: an unknown project answers like a private one (existence is not revealed).
    assert client.get("/api/v1/projects/hidden/badge.svg").status_code == 401
