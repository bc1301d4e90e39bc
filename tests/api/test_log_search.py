"""Log search and the gzip download over HTTP, on SQLite and PostgreSQL: hits at the right
lines, both caps (hits, bytes) with a resumable ``next_line``, refusals as 422 with a
``detail``, and a download that gunzips to exactly the stored log."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings
from tests.servicekit import bearer, upload

HEADER = b"SecCoreStartupWithStack(0xFFFCC000, 0x820000)\n"  # one edk2 line: a log, not text


def big_log(lines: int = 60_000) -> tuple[bytes, list[int], list[int]]:
    """A log of several stored chunks (about 3 MiB); returns it with the numbers of the lines
    holding ``NeedleX`` in any case and in exactly that case."""
    rng = random.Random(13)
    out = [HEADER]
    any_case, exact = [], []
    for number in range(2, lines + 1):
        text = b"InstallProtocolInterface: %08X line %d " % (rng.getrandbits(32), number)
        text += b"z" * rng.randrange(10, 40)
        pick = rng.random()
        if pick < 0.004:
            text += b" NeedleX"
            exact.append(number)
            any_case.append(number)
        elif pick < 0.008:
            text += b" nEEDLEx\r"
            any_case.append(number)
        out.append(text + b"\n")
    return b"".join(out), any_case, exact


def every_hit(client: TestClient, url: str, token: str, **params: object) -> list[int]:
    """Follow ``next_line`` until the log ends, collecting every hit's line."""
    lines: list[int] = []
    start = 1
    while True:
        page = client.get(url, params={**params, "start": start}, headers=bearer(token))
        assert page.status_code == 200, page.text
        body = page.json()
        lines += [hit["line"] for hit in body["hits"]]
        if body["next_line"] is None:
            assert body["stopped"] == "end" and not body["capped"]
            return lines
        assert body["capped"] and body["next_line"] > start
        start = body["next_line"]


def test_search_hits_caps_and_bad_input(tmp_path: Path, database_url: str, make_token) -> None:
    settings = make_settings(tmp_path, database_url, max_log_search_bytes=512 * 1024)
    log, any_case, exact = big_log()
    with TestClient(create_app(settings, workers=0)) as client:
        token = make_token()
        boot = upload(client, token, log).json()["id"]
        url = f"/api/v1/boots/{boot}/log/search"
        first = client.get(url, params={"q": "needlex"}, headers=bearer(token)).json()
        assert first["stopped"] == "bytes" and first["capped"]  # one stored chunk (1 MiB) of 4 MiB
        assert [hit["line"] for hit in first["hits"]] == any_case[: first["count"]]
        assert first["hits"][0]["text"].endswith("NeedleX") or "nEEDLEx" in first["hits"][0]["text"]
        assert every_hit(client, url, token, q="needlex") == any_case
        assert every_hit(client, url, token, q="needlex", limit=50) == any_case  # mid-chunk
        assert every_hit(client, url, token, q="NeedleX", ignore_case="false") == exact
        capped = client.get(url, params={"q": "NEEDLEX", "limit": 3}, headers=bearer(token))
        body = capped.json()
        assert [h["line"] for h in body["hits"]] == any_case[:3]
        assert body["stopped"] == "hits" and body["next_line"] == any_case[2] + 1
        assert every_hit(client, url, token, q="no such text anywhere") == []
        for params, word in (
            ({"q": ""}, "empty"),
            ({"q": "   "}, "empty"),
            ({}, "q"),
            ({"q": "x" * 201}, "200"),
            ({"q": "a", "start": 10**6}, "beyond"),
            ({"q": "a", "start": 0}, "start"),
            ({"q": "a", "limit": 1001}, "limit"),
            ({"q": "a", "ignore_case": "perhaps"}, "ignore_case"),
        ):
            refused = client.get(url, params=params, headers=bearer(token))
            assert refused.status_code == 422, (params, refused.text)
            assert word in str(refused.json()["detail"]), (params, refused.text)


def test_gzip_download_is_the_stored_log(tmp_path: Path, database_url: str, make_token) -> None:
    settings = make_settings(tmp_path, database_url)
    log, _, _ = big_log(40_000)
    with TestClient(create_app(settings, workers=0)) as client:
        token = make_token()
        for sent in (log, gzip.compress(log)):  # a plain and a gzip upload store the same
            boot = upload(client, token, sent).json()["id"]
            got = client.get(f"/api/v1/boots/{boot}/log.gz", headers=bearer(token))
            assert got.status_code == 200
            assert got.headers["content-type"] == "application/gzip"
            disposition = got.headers["content-disposition"]
            assert disposition == f'attachment; filename="boot-{boot}.log.gz"'
            assert int(got.headers["content-length"]) == len(got.content) < len(log)
            assert gzip.decompress(got.content) == log
        missing = client.get("/api/v1/boots/999999/log.gz", headers=bearer(token))
        assert missing.status_code == 404 and missing.json()["detail"]
