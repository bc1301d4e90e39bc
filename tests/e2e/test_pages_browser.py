"""The review pages in real headless Chromium against a real `cvmreview serve` with the
demo boots: pages load without console errors, plots hold data, filters, finding -> log
line, comments survive a reload, the comparison shows both boots with synchronized axes,
and a boot's status updates live. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.web.pages.boots_list import PAGE_SIZE
from tests.e2e.browser import Tab, launch_chromium, new_tab
from tests.servicekit import Server, Services, bearer, run_cli, service_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "reviewer-password"
SEV_ES = "003-tianocore-bz1354-sev-es-ovmf-debug.log"
PLOT_DATA = "el => el.data ? el.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0) : -1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the demo boots, with a reviewer 'rita' of the demo project."""
    tmp = tmp_path_factory.mktemp("pages-e2e")
    env = service_env(
        CVMREVIEW_DATA_DIR=str(tmp / "data"), CVMREVIEW_WORKERS="1", CVMREVIEW_WORKER_MODE="thread"
    )
    run_cli(["demo"], env, timeout=300)
    run_cli(
        [
            "user",
            "create",
            "rita",
            "--password",
            PASSWORD,
            "--project",
            "demo",
            "--role",
            "reviewer",
        ],
        env,
    )
    kit = Services(tmp, env)
    try:
        yield kit.server()
    finally:
        kit.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(browser: Any, site: Server) -> Iterator[Tab]:
    tab = new_tab(browser, site.url)
    yield tab
    tab.page.context.close()


def boot_id(site: Server, name: str) -> int:
    boots = httpx.get(f"{site.url}/api/v1/boots", params={"limit": 100}).json()["data"]
    return int(next(b["id"] for b in boots if b["name"] == name))


def sign_in(tab: Tab) -> None:
    page = tab.open("/login?next=/")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert page.locator(".account .who").inner_text() == "rita"


def test_boots_list_loads_and_filters(tab: Tab, site: Server) -> None:
    boots = httpx.get(f"{site.url}/api/v1/boots", params={"limit": PAGE_SIZE}).json()["data"]
    page = tab.open("/")
    assert page.locator("#boots-table tbody tr").count() == len(boots) >= 10  # the first page
    synthesized = sum(1 for boot in boots if boot["synthesized"])
    assert page.locator(".badge-synth").count() == synthesized >= 5
    total = httpx.get(f"{site.url}/api/v1/boots").json()["count"]
    assert (page.locator("a[rel=next]").count() == 1) == (total > PAGE_SIZE)
    tab.shot("boots-list")
    page.select_option("select[name=platform]", "sev-snp")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r"platform=sev-snp"))
    platforms = page.locator("#boots-table tbody td .platform").all_inner_texts()
    assert platforms and set(platforms) == {"sev-snp"}
    page.fill("input[name=q]", "leak")
    page.select_option("select[name=platform]", "")
    page.click(".filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    names = page.locator("#boots-table tbody td.name a").all_inner_texts()
    assert names == ["sev-legacy-202211-leak (synthesized)"]
    tab.assert_clean()


def tick_texts(page: Any, selector: str) -> list[str]:
    """The text of a plot's tick labels (SVG text: no innerText, hence textContent)."""
    texts: list[str] = page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")
    return texts


def test_boot_page_plots_hold_data(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    page = tab.open(f"/boots/{boot}")
    page.wait_for_selector("html[data-figures='done']")
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 7  # timeline, address space, five device charts
    for index in range(plots.count()):
        assert plots.nth(index).evaluate(PLOT_DATA) > 0
    assert page.locator("#timeline-plot .main-svg").count() > 0
    assert "SYNTHESIZED" in page.locator(".banner.synth").inner_text()
    # Axes as firmware engineers read them: hex addresses, binary byte units, integer counts.
    address_ticks = tick_texts(page, "#space-plot .xtick text")
    assert address_ticks and all(re.fullmatch(r"0x[0-9a-f]+", t) for t in address_ticks)
    byte_ticks = tick_texts(page, "#device-plot-2 .ytick text")
    assert any(t.endswith("iB") for t in byte_ticks), byte_ticks
    for plot in ("#device-plot-1", "#device-plot-4"):
        counts = tick_texts(page, f"{plot} .ytick text")
        assert counts and all(re.fullmatch(r"[\d,]+", t) for t in counts), counts
    tab.shot("boot-detail")
    tab.shot_element("#timeline", "boot-timeline")
    tab.assert_clean()


def test_timeline_zoom_loads_a_window_and_a_permalink(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    page = tab.open(f"/boots/{boot}")
    with page.expect_response(re.compile(r"/timeline/window\?start=2100")):
        page.evaluate(
            "Plotly.relayout(document.getElementById('timeline-plot'),"
            " {'xaxis.range': [2100, 2400]})"
        )
    page.wait_for_function("() => location.search.includes('start=2100')")
    permalink = page.url
    assert page.locator("#timeline-plot").evaluate("el => el.layout.xaxis.range") == [2100, 2400]
    page = tab.open(permalink.split(tab.base_url, 1)[1])
    assert page.locator("#timeline-plot").evaluate("el => el.layout.xaxis.range") == [2100, 2400]
    tab.assert_clean()


def test_click_on_finding_lands_on_its_log_line(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    page = tab.open(f"/boots/{boot}#findings")
    link = page.locator("#findings .line-link").first
    line = int(link.inner_text().replace(",", ""))
    link.click()
    page.wait_for_url(re.compile(rf"/log\?line={line}#L{line}$"))
    page.wait_for_load_state("networkidle")
    target = page.locator(f"#L{line}")
    assert "selected" in (target.get_attribute("class") or "")
    assert "has-finding" in (target.get_attribute("class") or "")
    assert target.is_visible()
    box = target.bounding_box()
    assert box is not None and 0 < box["y"] < 900
    tab.shot("log-viewer", full_page=False)
    page.click("#jump-next")
    selected = page.locator(".ll.selected")
    assert int(selected.get_attribute("data-line") or 0) > line
    tab.assert_clean()


def test_log_viewer_loads_more_lines_on_demand(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    page = tab.open(f"/boots/{boot}/log")
    assert page.locator(".ll").count() == 400
    page.click("#load-after")
    page.wait_for_function("() => document.querySelectorAll('.ll').length === 800")
    assert page.locator("#L800").count() == 1
    tab.assert_clean()


def test_comment_survives_a_reload(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    sign_in(tab)
    page = tab.open(f"/boots/{boot}#comments")
    page.fill("#comments textarea[name=body]", "Checked with the storage team <b>today</b>.")
    # The page posts the comment, then sets the hash and reloads itself: wait until the
    # reloaded page shows the comment, so that the test's own reload below never races it.
    page.click("#comments .comment-form button[type=submit]")
    page.locator("#comments .comment-body", has_text="storage team").wait_for()
    page.wait_for_load_state("networkidle")
    page.reload()
    page.wait_for_load_state("networkidle")
    comment = page.locator("#comments .comment-body").last
    assert comment.inner_text() == "Checked with the storage team <b>today</b>."
    assert "rita" in page.locator("#comments .comment-meta").last.inner_text()
    select = page.locator("#findings .status-select").first
    select.select_option("acknowledged")
    page.wait_for_function(
        "() => document.querySelector('#findings [data-review-status]').textContent"
        " === 'acknowledged'"
    )
    page.reload()
    assert page.locator("#findings [data-review-status]").first.inner_text() == "acknowledged"
    tab.shot("boot-reviewed")
    tab.assert_clean()


def test_compare_shows_both_boots_with_synchronized_axes(tab: Tab, site: Server) -> None:
    page = tab.open("/")
    for name in ("sev-snp-pool-virtio-blk (synthesized)", "sev-legacy-202211-leak (synthesized)"):
        page.locator("#boots-table tr", has_text=name).locator(".compare-pick").check()
    page.click("#compare-selected")
    page.wait_for_url(re.compile(r"/compare\?a=\d+&b=\d+"))
    page.wait_for_selector("html[data-figures='done']")
    sides = page.locator(".compare-side h2").all_inner_texts()
    assert len(sides) == 2 and any("leak" in s for s in sides) and any("pool" in s for s in sides)
    for plot in ("#compare-plot-a", "#compare-plot-b"):
        assert page.locator(plot).evaluate(PLOT_DATA) > 0
    assert page.locator(".row-new").count() >= 1
    page.evaluate(
        "Plotly.relayout(document.getElementById('compare-plot-a'), {'xaxis.range': [500, 900]})"
    )
    page.wait_for_function(
        "() => JSON.stringify(document.getElementById('compare-plot-b').layout.xaxis.range)"
        " === '[500,900]'"
    )
    tab.shot("compare")
    tab.assert_clean()


def test_upload_form_analyses_and_shows_the_boot(tab: Tab, site: Server, logs_dir: Path) -> None:
    sign_in(tab)
    page = tab.open("/#upload")
    page.set_input_files("#upload-form input[name=log]", str(logs_dir / SEV_ES))
    page.fill("#upload-form input[name=name]", "uploaded from the browser")
    page.fill("#upload-form input[name=branch]", "feature/x")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/boots/\d+$"))
    page.wait_for_selector("#timeline-plot .main-svg", timeout=60_000)  # reloaded when done
    assert "uploaded from the browser" in page.locator("h1").inner_text()
    assert page.locator(".summary-grid .platform").inner_text() == "sev-es"
    tab.assert_clean()


def test_status_updates_live_while_a_boot_is_analysed(
    browser: Any, tmp_path: Path, logs_dir: Path
) -> None:
    """A server without workers shows the upload queued; a second process analyses it; the
    list row turns to done without a reload."""
    env = service_env(CVMREVIEW_DATA_DIR=str(tmp_path / "data"), CVMREVIEW_WORKER_MODE="thread")
    kit = Services(tmp_path, env)
    try:
        token = kit.token(project="live")
        run_cli(["user", "create", "ann", "--password", PASSWORD, "--admin"], env)
        idle = kit.server("--workers", "0")
        log = (logs_dir / SEV_ES).read_bytes()
        created = httpx.post(
            f"{idle.url}/api/v1/boots",
            files={"log": ("live.log", log)},
            headers=bearer(token),
        ).json()
        tab = new_tab(browser, idle.url)
        tab.page.goto(idle.url + "/login?next=/")
        tab.page.fill("input[name=username]", "ann")
        tab.page.fill("input[name=password]", PASSWORD)
        tab.page.click("#login-form button[type=submit]")
        tab.page.wait_for_url(re.compile(r".*/$"))
        row = tab.page.locator(f"tr[data-boot-id='{created['id']}'] [data-status]")
        assert row.inner_text() == "queued"
        tab.page.evaluate("window.__notReloaded = true")
        kit.server("--workers", "1")  # a second process picks the job up
        tab.page.wait_for_function(
            f"() => document.querySelector(\"tr[data-boot-id='{created['id']}'] [data-status]\")"
            ".textContent === 'done'",
            timeout=60_000,
        )
        assert tab.page.evaluate("window.__notReloaded") is True
        platform = tab.page.locator(f"tr[data-boot-id='{created['id']}'] [data-platform]")
        assert platform.inner_text() == "sev-es"
        tab.shot("boots-live-status", full_page=False)
        tab.assert_clean()
        tab.page.context.close()
    finally:
        kit.stop()


def test_finding_permalink_keeps_the_title_below_the_sticky_bars(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    first = tab.open(f"/boots/{boot}").locator("#findings .finding").last
    target = first.get_attribute("id")
    page = tab.open(f"/boots/{boot}#{target}")
    page.wait_for_selector("html[data-figures='done']")
    page.evaluate("id => document.getElementById(id).scrollIntoView()", target)
    title = page.locator(f"#{target} h3").bounding_box()
    nav = page.locator(".section-nav").bounding_box()
    assert title is not None and nav is not None
    assert title["y"] >= nav["y"] + nav["height"], (title, nav)
    tab.shot("finding-permalink", full_page=False)
    tab.assert_clean()


def test_comment_tab_counts_finding_comments(tab: Tab, site: Server) -> None:
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    sign_in(tab)
    page = tab.open(f"/boots/{boot}#findings")
    before = int(page.locator("#comment-count").inner_text())
    form = page.locator("#findings .finding .comment-form").first
    form.locator("textarea[name=body]").fill("Tab count check.")
    form.locator("button[type=submit]").click()
    page.locator("#findings .comment-body", has_text="Tab count check.").wait_for()
    page.wait_for_load_state("networkidle")
    assert int(page.locator("#comment-count").inner_text()) == before + 1
    tab.assert_clean()


def test_log_permalinks_beyond_the_first_window(tab: Tab, site: Server) -> None:
    """``/log#L3000`` opens the window around line 3000; a line link clicked after "load
    more" puts its own ``?line=`` in the address bar."""
    boot = boot_id(site, "sev-legacy-202211-leak (synthesized)")
    total = httpx.get(f"{site.url}/api/v1/boots/{boot}/result").json()["source"]["lines"]
    far = min(3000, total - 5)
    assert far > 800
    page = tab.open(f"/boots/{boot}/log#L{far}")
    page.wait_for_url(re.compile(rf"/log\?line={far}#L{far}$"))
    page.wait_for_load_state("networkidle")
    target = page.locator(f"#L{far}")
    target.wait_for()
    assert "selected" in (target.get_attribute("class") or "")
    box = target.bounding_box()
    assert box is not None and 0 < box["y"] < 900
    tab.shot("log-permalink-far", full_page=False)
    page = tab.open(f"/boots/{boot}/log?line=5")
    page.click("#load-after")
    page.wait_for_function("() => document.getElementById('L700') !== null")
    page.locator("#L700 a.ln").click()
    page.wait_for_function("() => location.search === '?line=700' && location.hash === '#L700'")
    page.reload()
    assert "selected" in (page.locator("#L700").get_attribute("class") or "")
    tab.assert_clean()
