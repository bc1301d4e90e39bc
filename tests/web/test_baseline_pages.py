"""The boot page says what changed against its baseline ("compared with #N"), and the branch
history page lists the branch's boots with verdicts and where each finding first appeared;
the boots list links a branch to its history."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from tests.web.conftest import BootMaker

BUG = "tdx-pool-duplicate-slot-bug"


def _log(faults: bool) -> bytes:
    from app.synth import get_demo, write_log

    demo = get_demo(BUG)
    assert demo is not None
    buffer = io.BytesIO()
    write_log(dataclasses.replace(demo, faults=demo.faults if faults else ()), buffer)
    return buffer.getvalue()


def _section(html: str, section: str) -> str:
    return html.split(f'id="{section}"')[1].split("</section>")[0]


def test_baseline_on_the_boot_page_and_branch_history(
    web_client: Any, make_boot: BootMaker
) -> None:
    clean = make_boot(_log(False), name="clean", branch="main")
    bug = make_boot(_log(True), name="bug", branch="main")

    first = _section(web_client.get(f"/boots/{clean}").text, "baseline")
    assert "No baseline: no earlier passing boot of branch main, platform tdx" in first
    compared = _section(web_client.get(f"/boots/{bug}").text, "baseline")
    assert f'compared with <a href="/boots/{clean}">#{clean}</a>' in compared
    assert f'href="/compare?a={clean}&b={bug}"' in compared
    new_rows = [row for row in compared.split("<tr") if 'class="row-new"' in row]
    assert len(new_rows) == 1 and "POOL-002" in new_rows[0]
    assert f'href="/boots/{bug}#finding-' in new_rows[0]
    assert "/projects/acme/history?branch=main" in compared

    page = web_client.get("/projects/acme/history", params={"branch": "main"})
    assert page.status_code == 200
    boots = _section(page.text, "history-boots")
    assert boots.index(f'data-boot-id="{bug}" data-verdict="fail"') < boots.index(
        f'data-boot-id="{clean}" data-verdict="pass"'
    )
    seen = _section(page.text, "history-findings")
    pool = next(row for row in seen.split("<tr") if "POOL-002" in row)
    assert f'href="/boots/{bug}#finding-' in pool and "1 of 2" in pool
    boot_003 = next(row for row in seen.split("<tr") if "BOOT-003" in row)
    assert f">#{clean}</a>" in boot_003 and "2 of 2" in boot_003

    listed = web_client.get("/", params={"project": "acme", "branch": "main"}).text
    assert 'id="project-history-link"' in listed
    assert web_client.get("/projects/nowhere/history", params={"branch": "main"}).status_code == 401
    pick = web_client.get("/projects/acme/history")  # no branch: an HTML page, not JSON
    assert pick.status_code == 422 and pick.headers["content-type"].startswith("text/html")
    assert "Name a branch" in pick.text and "its branches: main" in pick.text
    hidden = web_client.get("/projects/nowhere/history")
    assert hidden.status_code == 401 and "its branches" not in hidden.text
