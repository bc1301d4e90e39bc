"""Log text, names and comments are data: they render as text, never as markup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.conftest import BootMaker, sign_in

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_LOG = (
    "SEC: boot\n"
    f"{SCRIPT}\n"
    f"{IMG}\n"
    "Secure Encrypted Virtualization (SEV) is enabled\n"
    f"IoMmuMap: Operation=Read Host=0x1000 Bytes=0x10 {SCRIPT}\n"
).encode()


def assert_inert(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html


def test_hostile_log_and_name_render_as_text(
    web_client: Any, make_boot: BootMaker, make_user: Callable[..., None]
) -> None:
    boot = make_boot(HOSTILE_LOG, name=f"name {IMG}", branch=SCRIPT, commit="c0ffee")
    make_user("rita", "reviewer")
    headers = {"X-CSRF-Token": sign_in(web_client, "rita")}
    body = {"body": f"comment {SCRIPT} {IMG}", "line": 2}
    assert (
        web_client.post(f"/api/v1/boots/{boot}/comments", json=body, headers=headers).status_code
        == 201
    )
    for url in (
        "/",
        f"/?q={IMG}",
        f"/boots/{boot}",
        f"/boots/{boot}/log",
        f"/boots/{boot}/log/lines?start=1&count=10",
        f"/compare?a={boot}&b={boot}",
    ):
        page = web_client.get(url)
        assert page.status_code == 200, url
        assert_inert(page.text)
    log = web_client.get(f"/boots/{boot}/log").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in log
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in log
