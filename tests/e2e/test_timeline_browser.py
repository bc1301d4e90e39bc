"""The boot page's timeline, the comparison and the blame page in real headless Chromium against
a real ``cvmreview serve``: finding markers on their lines, mappings live at ExitBootServices
highlighted, a click on a mapping bar opens the selection panel with working log links, device
tracks collapse, W/S/A/D zoom and pan, compare aligned by phase, blame totals. Screenshots land
in tests/artifacts/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.browser import Tab, launch_chromium, new_tab
from tests.servicekit import Server, Services, bearer, service_env, upload, wait_for_status
from tests.web.conftest import synthesized_log

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PLOT = "document.getElementById('timeline-plot')"


@dataclass
class Site:
    server: Server
    token: str
    leak: int  # sev-legacy-202211-leak, branch main, uploaded first
    pool: int  # sev-snp-pool-virtio-blk, branch main, uploaded second

    def get(self, path: str) -> Any:
        response = httpx.get(self.server.url + path, headers=bearer(self.token), timeout=30)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("timeline-e2e")
    env = service_env(
        CVMREVIEW_DATA_DIR=str(tmp / "data"), CVMREVIEW_WORKERS="1", CVMREVIEW_WORKER_MODE="thread"
    )
    kit = Services(tmp, env)
    try:
        token = kit.token(project="fw")
        server = kit.server()
        ids = []
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for demo in ("sev-legacy-202211-leak", "sev-snp-pool-virtio-blk"):
                log = synthesized_log(demo)
                created = upload(client, token, log, name=f"{demo}.log", branch="main")
                assert created.status_code == 202, created.text
                assert wait_for_status(client, created.json()["id"], token)["status"] == "done"
                ids.append(created.json()["id"])
        yield Site(server, token, *ids)
    finally:
        kit.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(browser: Any, site: Site) -> Iterator[Tab]:
    tab = new_tab(browser, site.server.url, headers=bearer(site.token))
    yield tab
    tab.page.context.close()


def boot_page(tab: Tab, boot: int) -> Any:
    page = tab.open(f"/boots/{boot}")
    page.wait_for_selector("html[data-ready='1']")
    return page


def trace(page: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        f"name => {{ const t = {PLOT}.data.find(t => t.name === name);"
        " return t ? {x: t.x, y: t.y, base: t.base, customdata: t.customdata} : null; }",
        name,
    )
    assert found is not None, f"no trace {name!r}"
    return found


def live_at_ebs(document: dict[str, Any]) -> set[int]:
    """Map-request lines of the mappings mapped before ExitBootServices and unmapped after it
    (or never), straight from the result document."""
    ebs = document["boot"]["exit_boot_services_line"]
    lifetimes = document["timeline"]["lifetimes"]
    return {
        item["request_line"]
        for item in (*lifetimes["long_lived"], *lifetimes["sampled"])
        if item["start_line"] < ebs and (item["end_line"] is None or item["end_line"] > ebs)
    }


def test_findings_marked_on_their_lines_and_leaks_highlighted(tab: Tab, site: Site) -> None:
    document = site.get(f"/api/v1/boots/{site.leak}/result")
    page = boot_page(tab, site.leak)
    findings = trace(page, "finding")
    lines = sorted({line for f in document["findings"] for line in f["lines"]})
    assert lines and findings["x"] == lines  # the x axis is the log line here
    assert [item["line"] for item in findings["customdata"]] == lines
    assert page.locator("#timeline-plot .scatterlayer .trace .point").count() > 0
    leaks = trace(page, "live at ExitBootServices")
    expected = live_at_ebs(document)
    assert {item["request_line"] for item in leaks["customdata"]} == expected
    assert len(expected) == document["iommu"]["live_at_ebs"] > 0
    leak_finding = next(f for f in document["findings"] if f["id"] == "IOMMU-001")
    assert leak_finding["lines"][0] in expected  # the leaked Write is outlined
    assert "live at ExitBootServices" in page.locator("#timeline-note").inner_text()
    tab.shot_element("#timeline", "timeline-markers-leaks")
    tab.assert_clean()


BAR_CENTRE = f"""request => {{
  const plot = {PLOT};
  const t = plot.data.find(t => t.name === 'live at ExitBootServices');
  const i = t.customdata.findIndex(c => c.request_line === request);
  const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis3;
  const box = plot.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(t.base[i] + t.x[i] / 2),
          box.top + ya._offset + ya.d2p(t.y[i])];
}}"""


def test_click_on_a_mapping_bar_opens_the_selection_panel(tab: Tab, site: Site) -> None:
    document = site.get(f"/api/v1/boots/{site.leak}/result")
    request = next(f for f in document["findings"] if f["id"] == "IOMMU-001")["lines"][0]
    lifetimes = document["timeline"]["lifetimes"]
    mapping = next(
        m for m in (*lifetimes["long_lived"], *lifetimes["sampled"]) if m["request_line"] == request
    )
    page = boot_page(tab, site.leak)
    assert page.locator("#timeline-selection").is_hidden()
    x, y = page.evaluate(BAR_CENTRE, request)
    # The bar may lie below the fold (the boot page holds more above the timeline): scroll it
    # to the middle of the viewport, then take its place again.
    page.evaluate("y => window.scrollBy(0, y - window.innerHeight / 2)", y)
    x, y = page.evaluate(BAR_CENTRE, request)
    assert 0 <= y < page.evaluate("() => window.innerHeight")
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    panel = page.locator("#timeline-selection")
    panel.wait_for(state="visible")
    assert panel.get_attribute("data-kind") == "mapping"
    text = panel.inner_text()
    assert f"{mapping['device']} {mapping['operation']} mapping" in text
    assert "still mapped (leak" in text
    links = page.locator("#selection-links a")
    wanted = [request, mapping["start_line"], mapping["end_line"]]
    hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == [f"/boots/{site.leak}/log?line={n}#L{n}" for n in wanted]
    tab.shot_element("#timeline", "timeline-selection")
    links.nth(2).click()  # the unmap line, in the log viewer
    page.wait_for_url(re.compile(rf"/log\?line={wanted[2]}#L{wanted[2]}$"))
    target = page.locator(f"#L{wanted[2]}")
    target.wait_for()
    assert "selected" in (target.get_attribute("class") or "")
    assert "IoMmuUnmapWorker" in target.inner_text()
    tab.assert_clean()


def mapping_rows(page: Any, device: str) -> set[str]:
    rows: list[str] = page.evaluate(
        f"device => {PLOT}.data.filter(t => t.meta === 'mappings').flatMap(t => t.y"
        ".filter((row, i) => t.customdata[i].device === device))",
        device,
    )
    return set(rows)


def press(page: Any, key: str) -> list[float]:
    """Press ``key`` and wait until the window loaded for the new range is drawn (the page
    records it in ``data-window``); returns that range."""
    before = page.evaluate(f"JSON.stringify({PLOT}.layout.xaxis.range)")
    page.keyboard.press(key)
    page.wait_for_function(
        f"before => {{ const plot = {PLOT}; const now = JSON.stringify(plot.layout.xaxis.range);"
        " return now !== before && plot.dataset.window === now; }",
        arg=before,
    )
    window: list[float] = json.loads(page.evaluate(f"{PLOT}.dataset.window"))
    return window


def test_collapse_a_device_track_and_zoom_with_the_keyboard(tab: Tab, site: Site) -> None:
    page = boot_page(tab, site.leak)
    toggle = page.locator(".track-toggle[data-device='virtio-blk']")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert len(mapping_rows(page, "virtio-blk")) > 1
    toggle.click()
    page.locator(".track-toggle[data-device='virtio-blk'][aria-expanded='false']").wait_for()
    assert mapping_rows(page, "virtio-blk") == {"virtio-blk"}
    assert len(mapping_rows(page, "virtio-net")) > 1  # the other tracks stay open
    tab.shot_element("#timeline", "timeline-collapsed")
    lo, hi = page.evaluate(f"{PLOT}.layout.xaxis.range")
    page.locator("#timeline-plot .nsewdrag").first.hover()
    zlo, zhi = press(page, "w")
    assert lo <= zlo < zhi <= hi and zhi - zlo == pytest.approx(0.8 * (hi - lo), rel=1e-6)
    assert "start=" in page.url
    assert mapping_rows(page, "virtio-blk") == {"virtio-blk"}  # kept by the reloaded window
    plo, phi = press(page, "d")
    assert plo > zlo and phi - plo == pytest.approx(zhi - zlo, rel=1e-6)
    alo, ahi = press(page, "ArrowLeft")
    assert alo < plo and ahi - alo == pytest.approx(phi - plo, rel=1e-6)
    slo, shi = press(page, "s")
    assert shi - slo > ahi - alo
    tab.assert_clean()


def phase_edges(page: Any, plot: str) -> list[float]:
    edges: list[float] = page.evaluate(
        f"() => document.getElementById('{plot}').layout.shapes"
        ".filter(s => s.type === 'rect').map(s => s.x0)"
    )
    return edges


def test_compare_aligned_by_phase_from_the_previous_boot_link(tab: Tab, site: Site) -> None:
    page = boot_page(tab, site.pool)
    page.click("#compare-previous")
    page.wait_for_url(re.compile(rf"/compare\?a={site.leak}&b={site.pool}$"))
    page.wait_for_selector("html[data-ready='1']")
    assert "Aligned by boot phase" in page.locator("#alignment").inner_text()
    a, b = phase_edges(page, "compare-plot-a"), phase_edges(page, "compare-plot-b")
    phases = [p["name"] for p in site.get(f"/api/v1/boots/{site.leak}/result")["phases"]]
    assert a == b == [float(i) for i in range(len(phases))]  # phase i starts at x = i in both
    ticks = page.locator("#compare-plot-a .xtick text").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert ticks == phases
    tab.shot("compare-by-phase")
    tab.assert_clean()


def test_blame_adds_up_to_the_boot(tab: Tab, site: Site) -> None:
    document = site.get(f"/api/v1/boots/{site.leak}/result")
    phases = document["phases"]
    span = phases[-1]["last_line"] - phases[0]["first_line"] + 1
    page = tab.open(f"/boots/{site.leak}")
    page.click("#blame-link")
    page.wait_for_url(re.compile(rf"/boots/{site.leak}/blame$"))
    total = float(page.locator("#blame-phases").get_attribute("data-total") or 0)
    assert total == span
    amounts = {
        section: page.locator(f"#{section} tbody tr").evaluate_all(
            "rows => rows.map(r => Number(r.dataset.amount))"
        )
        for section in ("blame-phases", "blame-modules")
    }
    assert len(amounts["blame-phases"]) == len(phases)
    assert sum(amounts["blame-phases"]) == sum(amounts["blame-modules"]) == span
    assert amounts["blame-modules"] == sorted(amounts["blame-modules"], reverse=True)
    api = site.get(f"/api/v1/boots/{site.leak}/blame")["blame"]
    assert [float(r["amount"]) for r in api["modules"]] == amounts["blame-modules"]
    tab.shot("blame")
    tab.assert_clean()
