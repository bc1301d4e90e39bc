""" "Compare with the previous boot of this branch": the boot page and the compare page link
to the analysed boot of the same project and branch uploaded just before."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import BootMaker, synthesized_log


def test_previous_boot_of_the_branch(web_client: Any, make_boot: BootMaker) -> None:
    log = synthesized_log("sev-legacy-202211-leak")
    first = make_boot(log, name="first", branch="main")
    other = make_boot(log, name="other branch", branch="dev")
    second = make_boot(log, name="second", branch="main")
    make_boot(log, name="queued", branch="main", analyse=False)
    third = make_boot(log, name="third", branch="main")
    page = web_client.get(f"/boots/{third}").text
    assert f'href="/compare?a={second}&b={third}" id="compare-previous"' in page
    assert 'id="compare-previous"' not in web_client.get(f"/boots/{first}").text
    assert 'id="compare-previous"' not in web_client.get(f"/boots/{other}").text
    compare = web_client.get(f"/compare?a={first}&b={third}").text
    assert f'<a href="/compare?a={second}&b={third}">' in compare
    assert 'id="compare-previous"' not in web_client.get(f"/compare?a={second}&b={third}").text
