"""The log viewer's search, jump and colours, the sortable device table, the device page and
dark mode, in headless Chromium against a real ``cvmreview serve`` holding one boot: a
real ASSERT log, then a synthesized SEV-SNP boot with host-trace lines and two kernel
lines. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.synth import get_demo, write_log
from tests.e2e.browser import Tab, launch_chromium
from tests.servicekit import Server, Services, bearer, run_cli, service_env, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ASSERT_LOG = "004-tianocore-bz1341-sev-pei-assert.log"
KERNEL = b"EFI stub: Exiting boot services...\nLinux version 6.8.0-31-generic (gcc 13.2.0) #31\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, logs_dir: Path) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("logview-e2e")
    env = service_env(
        CVMREVIEW_DATA_DIR=str(tmp / "data"), CVMREVIEW_WORKERS="1", CVMREVIEW_WORKER_MODE="thread"
    )
    run_cli(["db", "upgrade"], env)
    kit = Services(tmp, env)
    try:
        token = kit.token(project="lv", scopes="upload,read")
        server = kit.server()
        buffer = io.BytesIO()
        write_log(get_demo("sev-snp-host-trace"), buffer)
        # the failed boot first: the views show the last boot cycle, the one with devices
        log = (logs_dir / ASSERT_LOG).read_bytes() + buffer.getvalue() + KERNEL
        with httpx.Client(base_url=server.url, timeout=60) as client:
            boot = client.post(
                "/api/v1/boots",
                files={"log": ("mixed.log", log)},
                headers=bearer(token),
            ).json()["id"]
            assert wait_for_status(client, boot, token)["status"] == "done"
        yield {"server": server, "token": token, "boot": boot, "log": log}
    finally:
        kit.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


def open_tab(browser: Any, served: dict[str, Any], *, scheme: str = "light") -> Tab:
    """A tab that sends the read token (the project is not public) in the given scheme."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900},
        color_scheme=scheme,
        extra_http_headers=bearer(served["token"]),
    )
    page = context.new_page()
    server: Server = served["server"]
    tab = Tab(page, server.url)
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    return tab


@pytest.fixture
def tab(browser: Any, served: dict[str, Any]) -> Iterator[Tab]:
    tab = open_tab(browser, served)
    yield tab
    tab.page.context.close()


def api_hits(served: dict[str, Any], q: str) -> dict[str, Any]:
    server: Server = served["server"]
    url = f"{server.url}/api/v1/boots/{served['boot']}/log/search"
    answer: dict[str, Any] = httpx.get(
        url, params={"q": q, "limit": 1000}, headers=bearer(served["token"])
    ).json()
    return answer


def selected_line(page: Any) -> int:
    return int(page.locator(".ll.selected").get_attribute("data-line") or 0)


def test_search_steps_through_hits_across_windows(tab: Tab, served: dict[str, Any]) -> None:
    expected = [hit["line"] for hit in api_hits(served, "KVM_CONVERT_MEMORY")["hits"]]
    page = tab.open(f"/boots/{served['boot']}/log")
    page.fill("#search-form input[name=q]", "KVM_CONVERT_MEMORY")
    page.click("#search-form button[type=submit]")
    page.wait_for_url(re.compile(r"q=KVM_CONVERT_MEMORY"))
    page.wait_for_load_state("networkidle")
    assert page.locator("#hit-status").inner_text() == f"1 of {len(expected)} hits"
    assert selected_line(page) == expected[0]
    window_end = int(page.locator("#log").get_attribute("data-end") or 0)
    beyond = next(i for i, line in enumerate(expected) if line > window_end)  # another window
    for index in range(1, beyond + 1):
        page.click("#hit-next")
        page.wait_for_function(
            f"() => document.querySelector('.ll.selected')?.dataset.line === '{expected[index]}'"
        )
    assert page.locator(f"#L{expected[beyond]} mark.hit").count() >= 1  # marked in the new window
    assert f"line={expected[beyond]}" in page.url and "q=KVM_CONVERT_MEMORY" in page.url
    assert page.locator("#hit-status").inner_text() == f"{beyond + 1} of {len(expected)} hits"
    tab.shot("log-search-hit", full_page=False)
    page.click("#hit-prev")
    page.wait_for_function(
        f"() => document.querySelector('.ll.selected')?.dataset.line === '{expected[beyond - 1]}'"
    )
    page = tab.open(f"/boots/{served['boot']}/log?q=e")  # nearly every line: over the cap
    assert re.fullmatch(r"1 of more than 1,000 hits", page.locator("#hit-status").inner_text())
    assert page.locator("#search-on").count() == 1
    tab.assert_clean()


def test_jump_to_a_line_and_a_bad_one(tab: Tab, served: dict[str, Any]) -> None:
    page = tab.open(f"/boots/{served['boot']}/log")
    page.fill("#goto-form input[name=line]", "abc")
    page.click("#goto-form button[type=submit]")
    assert "whole number from 1 to" in page.locator("#goto-error").inner_text()
    page.fill("#goto-form input[name=line]", "3,000")
    page.click("#goto-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('.ll.selected')?.dataset.line === '3000'")
    assert page.locator("#goto-error").inner_text() == ""
    assert page.url.endswith("?line=3000#L3000")
    tab.assert_clean()


def test_lines_coloured_by_kind_with_a_legend(tab: Tab, served: dict[str, Any]) -> None:
    log: bytes = served["log"]
    assert_line = next(
        n for n, text in enumerate(log.splitlines(), 1) if text.startswith(b"ASSERT ")
    )
    page = tab.open(f"/boots/{served['boot']}/log?line={assert_line}")
    legend = page.locator("#log-legend .legend-item").all_inner_texts()
    assert legend[:6] == ["error", "phase", "encryption", "kernel", "QEMU trace", "IOMMU"]

    def style(selector: str) -> dict[str, str]:
        found: dict[str, str] = page.locator(selector).first.evaluate(
            "el => { const s = getComputedStyle(el); const row = getComputedStyle(el.parentNode);"
            " return {color: s.color, weight: s.fontWeight, bg: row.backgroundColor,"
            " border: row.borderLeftColor}; }"
        )
        return found

    error = style(f"#L{assert_line}.k-error .lt")
    page = tab.open(f"/boots/{served['boot']}/log?q=Linux+version")
    kernel = style(".ll.k-kernel .lt")
    page = tab.open(f"/boots/{served['boot']}/log?q=kvm_convert_memory")
    trace = style(".ll.k-trace .lt")
    iommu = style(".ll.k-iommu .lt")
    assert int(error["weight"]) >= 600 and int(iommu["weight"]) < 600
    assert len({error["color"], kernel["color"], trace["color"], iommu["color"]}) == 4
    assert iommu["bg"] == "rgba(0, 0, 0, 0)"  # quiet: no tint
    assert error["bg"] != "rgba(0, 0, 0, 0)" and trace["border"] != iommu["border"]
    tab.shot_element("#log-legend", "log-legend")
    tab.assert_clean()


def test_device_table_sorts_and_opens_the_device_page(tab: Tab, served: dict[str, Any]) -> None:
    page = tab.open(f"/boots/{served['boot']}")
    rows = "#devices-table tbody tr"
    column = page.locator("#devices-table thead th", has_text="Bytes").first
    column.click()
    sort_keys = "els => els.map(e => Number(e.querySelector('td:nth-child(5)').dataset.sort))"
    ascending = page.locator(rows).evaluate_all(sort_keys)
    assert len(ascending) >= 2 and ascending == sorted(ascending)
    assert column.get_attribute("aria-sort") == "ascending"
    column.click()
    descending = page.locator(rows).evaluate_all(sort_keys)
    assert descending == sorted(ascending, reverse=True)
    tab.shot_element("#devices", "devices-sorted")
    name = page.locator(f"{rows} td.name a").first
    device = name.inner_text()
    name.click()
    page.wait_for_url(re.compile(r"/boots/\d+/devices/"))
    assert page.locator("#device-name").inner_text().startswith(device)
    assert page.locator("#attribution .explain").inner_text()
    mappings = page.locator("#mappings-table tbody tr")
    assert mappings.count() >= 1
    tab.shot("device-page")
    link = mappings.first.locator("td:nth-child(2) a")
    line = int(link.inner_text().replace(",", ""))
    link.click()
    page.wait_for_url(re.compile(rf"/log\?line={line}#L{line}$"))
    page.wait_for_function(
        f"() => document.querySelector('.ll.selected')?.dataset.line === '{line}'"
    )
    assert page.locator(f"#L{line}").get_attribute("data-kind") == "iommu"
    tab.assert_clean()


def test_dark_mode_follows_the_system(browser: Any, served: dict[str, Any]) -> None:
    dark = open_tab(browser, served, scheme="dark")
    try:
        page = dark.open(f"/boots/{served['boot']}")
        page.wait_for_selector("html[data-figures='done']")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(17, 21, 28)"
        card = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        assert card == "rgb(26, 32, 41)"
        paper = page.locator("#timeline-plot").evaluate("el => el._fullLayout.paper_bgcolor")
        assert paper == "#1a2029"
        dark.shot("boot-dark", full_page=False)
        dark.assert_clean()
    finally:
        dark.page.context.close()
