"""After sign-in the browser goes only to a path on this site (no open redirect)."""

from __future__ import annotations

import re

import pytest

from app.web.pages.login import local_path

ELSEWHERE = [
    "/\\evil.example/",
    "/\t/evil.example/",
    "\\\\evil.example/",
    "%5C%5Cevil.example",
    "//evil.example/",
    "///evil.example/",
    "http://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "/\n/evil.example",
    "/ok\\..\\evil",
    "/" + "a" * 5000,
]


def shown_next(client, target: str) -> str:
    response = client.get("/login", params={"next": target})
    assert response.status_code == 200
    found = re.search(r'data-next="([^"]*)"', response.text)
    assert found, response.text
    return found.group(1)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_next_leading_off_site_becomes_the_start_page(web_client, target: str) -> None:
    assert shown_next(web_client, target) == "/"


def test_percent_encoded_backslash_in_raw_query_is_refused(web_client) -> None:
    for raw in ("/%5Cevil.example/", "/%09/evil.example/", "%5C%5Cevil.example/"):
        response = web_client.get(f"/login?next={raw}")
        assert 'data-next="/"' in response.text, raw


LOCAL = ["/", "/boots/3", "/boots/3/log?line=40#L40", "/compare?a=1&b=2"]


@pytest.mark.parametrize("target", LOCAL)
def test_local_paths_are_kept(web_client, target: str) -> None:
    assert shown_next(web_client, target) == target.replace("&", "&amp;")


def test_local_path_rule() -> None:
    assert local_path("/boots") == "/boots"
    assert all(local_path(target) == "/" for target in ELSEWHERE if target.startswith("/"))
