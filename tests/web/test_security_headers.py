"""Every response carries the security headers, and no page has an inline script for the
Content-Security-Policy to forbid."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import SEV_ES_LOG, sign_in

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_secure(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    if response.url.path != "/docs":
        script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert script.split() == ["script-src", "'self'"], policy


@pytest.fixture
def boot_id(make_boot, sev_es_log: bytes, make_user) -> int:
    make_user("rev", "reviewer")
    return make_boot(sev_es_log, name=SEV_ES_LOG)


def test_pages_have_headers_and_no_inline_script(web_client, boot_id: int) -> None:
    sign_in(web_client, "rev")
    for path in (
        "/",
        f"/boots/{boot_id}",
        f"/boots/{boot_id}/log",
        f"/boots/{boot_id}/log/lines?start=1&count=50",
        f"/compare?a={boot_id}&b={boot_id}",
        "/login",
        "/boots/999999",
    ):
        response = web_client.get(path)
        assert response.status_code in (200, 404), path
        assert_secure(response)
        assert not INLINE_SCRIPT.search(response.text), path
        assert not HANDLER.search(response.text), path


def test_api_static_raw_log_and_refusals_have_headers(web_client, boot_id: int) -> None:
    for path, status in (
        ("/api/v1/health", 200),
        ("/api/v1/openapi.json", 200),
        ("/static/app.js", 200),
        (f"/api/v1/boots/{boot_id}/log?start=1&end=5", 200),
        (f"/api/v1/boots/{boot_id}/result", 200),
        ("/api/v1/boots/999999", 401),  # anonymous: the same for unknown and hidden
        ("/api/v1/boots/abc", 422),
        ("/api/v1/boots?branch=%00", 422),
    ):
        response = web_client.get(path)
        assert response.status_code == status, (path, response.text)
        assert_secure(response)
    raw = web_client.get(f"/api/v1/boots/{boot_id}/log?start=1&end=5")
    assert raw.headers["content-type"].startswith("text/plain")


def test_api_documentation_gets_its_own_policy(web_client) -> None:
    response = web_client.get("/docs")
    assert response.status_code == 200
    assert_secure(response)
    assert "cdn.jsdelivr.net" in response.headers["content-security-policy"]
