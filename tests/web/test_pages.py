"""The pages over TestClient, on SQLite and PostgreSQL: content, filters, ranges, errors."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import BootMaker, synthesized_log
from tests.web.figures import assert_valid_figure, embedded_figures


def rows(html: str) -> list[str]:
    """Boot names of the list page, in order."""
    return re.findall(r'<td class="name"><a href="/boots/\d+">([^<]*)</a>', html)


def test_boots_list_is_the_start_page(
    web_client: Any, make_boot: BootMaker, sev_es_log: bytes
) -> None:
    make_boot(sev_es_log, name="real-sev-es", branch="main", commit="abc123def")
    make_boot(synthesized_log("sev-legacy-202211-leak"), name="leaky", synthesized=True)
    page = web_client.get("/")
    assert page.status_code == 200
    assert rows(page.text) == ["leaky", "real-sev-es"]
    assert page.text.count("SYNTHESIZED") == 1
    assert "sev-es" in page.text and "abc123def"[:10] in page.text


def test_boots_list_filters_and_search(
    web_client: Any, make_boot: BootMaker, sev_es_log: bytes
) -> None:
    make_boot(sev_es_log, name="alpha", branch="main", commit="abc123")
    make_boot(sev_es_log, name="beta", branch="dev", commit="fed987", project="other")
    make_boot(synthesized_log("sev-legacy-202211-leak"), name="gamma-leak", branch="main")
    assert rows(web_client.get("/?branch=main").text) == ["gamma-leak", "alpha"]
    assert rows(web_client.get("/?project=other").text) == ["beta"]
    assert rows(web_client.get("/?platform=sev").text) == ["gamma-leak"]
    assert rows(web_client.get("/?severity=medium").text) == ["gamma-leak"]
    assert rows(web_client.get("/?status=failed").text) == []
    assert rows(web_client.get("/?q=FED9").text) == ["beta"]  # commit prefix
    assert rows(web_client.get("/?q=lph").text) == ["alpha"]  # name substring
    assert rows(web_client.get("/?q=100%25").text) == []  # LIKE wildcards are literal
    assert len(rows(web_client.get("/?platform=bogus").text)) == 3  # unknown value: no filter


def test_boots_list_paginates(web_client: Any, make_boot: BootMaker) -> None:
    content = b"SEV is enabled (mask 0x8000000000000)\n"
    for i in range(27):
        make_boot(content, name=f"boot-{i:02d}", analyse=False)
    first = web_client.get("/").text
    assert len(rows(first)) == 25 and "page 1 of 2" in first
    second = web_client.get("/?page=2").text
    assert rows(second) == ["boot-01", "boot-00"]
    assert 'data-status="queued"' in second  # live status is polled for these rows


def test_private_projects_are_hidden_from_anonymous(
    web_client: Any, make_boot: BootMaker, sev_es_log: bytes
) -> None:
    private = make_boot(sev_es_log, name="secret-boot", project="private", public=False)
    assert "secret-boot" not in web_client.get("/").text
    page = web_client.get(f"/boots/{private}")
    assert page.status_code == 401 and "Sign in" in page.text
    unknown = web_client.get("/boots/99999")  # answered like the private one: no leak
    assert unknown.status_code == 401 and "Sign in" in unknown.text


def test_boot_page_shows_header_figures_devices_and_findings(
    web_client: Any, make_boot: BootMaker
) -> None:
    boot = make_boot(
        synthesized_log("sev-legacy-202211-leak"), name="leaky", synthesized=True, branch="main"
    )
    page = web_client.get(f"/boots/{boot}")
    assert page.status_code == 200
    html = page.text
    assert "SYNTHESIZED" in html and "edk2-stable202211" in html
    for section in ("timeline", "address-space", "devices", "debug-cost", "findings", "comments"):
        assert f'id="{section}"' in html
    cost = html.split('id="debug-cost"')[1].split("</section>")[0]
    assert "one IOIO exit per character" in cost and "IoMmuDxe (IoMmu lines)" in cost
    figures = embedded_figures(html)
    assert {"timeline-plot-data", "space-plot-data", "device-plot-1-data"} <= set(figures)
    for figure in figures.values():
        assert_valid_figure(figure)
    assert "virtio-blk" in html and "driver-context" in html
    assert "IOMMU-001" in html and "DMA mapping never unmapped" in html
    line = re.search(r'href="/boots/\d+/log\?line=(\d+)#L\1"', html.split('id="findings"')[1])
    assert line is not None
    assert "/static/vendor/plotly-" in html


def test_boot_page_time_window_permalink(web_client: Any, make_boot: BootMaker) -> None:
    boot = make_boot(synthesized_log("sev-legacy-202211-leak"), name="leaky")
    html = web_client.get(f"/boots/{boot}?start=2000&end=2500").text
    assert '"range": [2000.0, 2500.0]' in html
    window = web_client.get(f"/api/v1/boots/{boot}/timeline/window?start=2000&end=2500").json()
    assert window["window"]["window"] == [2000.0, 2500.0]
    assert window["figure"]["layout"]["xaxis"]["range"] == [2000.0, 2500.0]
    assert_valid_figure(window["figure"])


def test_boot_page_while_queued_then_failed(web_client: Any, make_boot: BootMaker) -> None:
    boot = make_boot(b"SEV is enabled (mask 0x8000000000000)\n", name="waiting", analyse=False)
    page = web_client.get(f"/boots/{boot}")
    assert page.status_code == 200 and 'data-status="queued"' in page.text
    assert 'id="timeline-plot"' not in page.text


def test_log_viewer_loads_ranges_with_highlights(web_client: Any, make_boot: BootMaker) -> None:
    boot = make_boot(synthesized_log("sev-legacy-202211-leak"), name="leaky")
    document = web_client.get(f"/api/v1/boots/{boot}/result").json()
    line = next(f for f in document["findings"] if f["id"] == "IOMMU-001")["lines"][0]
    page = web_client.get(f"/boots/{boot}/log?line={line}")
    assert page.status_code == 200
    assert f'id="L{line}"' in page.text
    assert page.text.count('class="ll') == 400  # one range, never the whole log
    assert re.search(rf'id="L{line}"[^>]*data-kind="iommu"', page.text)
    assert "has-finding" in page.text
    chunk = web_client.get(f"/boots/{boot}/log/lines?start=10&count=5")
    assert chunk.headers["X-Line-Start"] == "10" and chunk.headers["X-Line-End"] == "14"
    assert chunk.text.count('class="ll') == 5
    last = web_client.get(f"/boots/{boot}/log/lines?start=999999&count=50")
    total = document["source"]["lines"]
    assert last.headers["X-Line-End"] == str(total)


def test_compare_page_shows_both_boots(web_client: Any, make_boot: BootMaker) -> None:
    a = make_boot(synthesized_log("sev-snp-pool-virtio-blk"), name="clean-snp")
    b = make_boot(synthesized_log("sev-legacy-202211-leak"), name="leaky-sev")
    picker = web_client.get("/compare")
    assert picker.status_code == 200 and "clean-snp" in picker.text
    page = web_client.get(f"/compare?a={a}&b={b}")
    assert page.status_code == 200
    html = page.text
    assert "clean-snp" in html and "leaky-sev" in html
    figures = embedded_figures(html)
    assert {"compare-plot-a-data", "compare-plot-b-data"} <= set(figures)
    assert len(figures) > 2  # the device deltas too
    for figure in figures.values():
        assert_valid_figure(figure)
    assert re.search(r'class="diff diff-new">\d+ new', html)
    assert "IOMMU-001" in html
    assert "Aligned by boot phase" in html  # neither synthesized log has timestamps
    ranges = [figures[f"compare-plot-{x}-data"]["layout"]["xaxis"]["range"] for x in "ab"]
    assert ranges[0] == ranges[1] and ranges[0][0] == 0 and ranges[0][1] >= 4
    data = web_client.get(f"/api/v1/compare?a={a}&b={b}").json()
    assert "IOMMU-001" in {f["id"] for f in data["findings"]["new"]}
    assert data["devices"]


def test_compare_with_unanalysed_boot_says_so(web_client: Any, make_boot: BootMaker) -> None:
    a = make_boot(synthesized_log("sev-snp-pool-virtio-blk"), name="done")
    b = make_boot(b"SEV is enabled (mask 0x8000000000000)\n", name="pending", analyse=False)
    page = web_client.get(f"/compare?a={a}&b={b}")
    assert page.status_code == 409 and "no result yet" in page.text


def test_timestamped_log_gets_a_time_axis(web_client: Any, make_boot: BootMaker) -> None:
    lines = synthesized_log("sev-legacy-202211-leak").splitlines(keepends=True)
    stamped = b"".join(
        line if i == 0 else b"[%10.6f] " % (i * 0.001) + line for i, line in enumerate(lines)
    )
    boot = make_boot(stamped, name="stamped")
    html = web_client.get(f"/boots/{boot}").text
    assert "seconds since the first timestamp" in html
    for figure in embedded_figures(html).values():
        assert_valid_figure(figure)
    assert "page·s" in html  # shared page-time in page-seconds
    window = web_client.get(f"/api/v1/boots/{boot}/timeline/window").json()["window"]
    assert window["axis"] == "time"
    assert 2.9 < window["extent"][1] < 3.1  # 3,036 lines, one millisecond apart


def test_debug_cost_text_matches_its_table(web_client: Any, make_boot: BootMaker) -> None:
    """The sentence and the table say the same numbers, and the rows add up to the total."""
    boot = make_boot(synthesized_log("sev-legacy-202211-leak"), name="leaky", synthesized=True)
    html = web_client.get(f"/boots/{boot}").text
    cost = html.split('id="debug-cost"')[1].split("</section>")[0]
    summary = re.search(r"About <strong>([\d,]+)</strong> VM exits for ([\d,]+) messages", cost)
    assert summary is not None
    table = cost.split('<table class="cost">')[1].split("</table>")[0]
    body, foot = table.split("<tbody>")[1].split("</tbody>")
    number = r'<td class="num">([\d,]+)</td>'

    def cells(row: str) -> list[int]:
        return [int(n.replace(",", "")) for n in re.findall(number, row)]

    body_rows = [cells(row) for row in body.split("</tr>") if "<td" in row]
    total_messages, total_exits = cells(foot)
    assert (total_exits, total_messages) == tuple(int(n.replace(",", "")) for n in summary.groups())
    assert sum(row[0] for row in body_rows) == total_messages
    assert sum(row[1] for row in body_rows) == total_exits > 0


def test_log_viewer_bad_or_far_lines(web_client: Any, make_boot: BootMaker) -> None:
    """``?line=abc`` is an HTML 400 page; a line beyond the end opens the last window."""
    boot = make_boot(synthesized_log("sev-legacy-202211-leak"), name="leaky")
    total = web_client.get(f"/api/v1/boots/{boot}/result").json()["source"]["lines"]
    assert total > 400
    for bad in ("abc", "0", "-5", "1e3"):
        page = web_client.get(f"/boots/{boot}/log?line={bad}")
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
        assert "whole number" in page.text and "<h1>400</h1>" in page.text
    assert web_client.get(f"/boots/{boot}/log?count=x").status_code == 400
    far = web_client.get(f"/boots/{boot}/log?line=999999")
    assert far.status_code == 200 and far.text.count('class="ll') == 400
    assert f'id="L{total}"' in far.text and f'id="L{total - 399}"' in far.text
    assert 'id="beyond-end"' in far.text and "999,999" in far.text
    assert 'id="beyond-end"' not in web_client.get(f"/boots/{boot}/log?line=5").text


def test_synthesized_banner_says_it_once(web_client: Any, make_boot: BootMaker) -> None:
    log = synthesized_log("sev-legacy-202211-leak")
    demo_note = "SYNTHESIZED by cvmreview's workload synthesizer (app/synth): not a real boot"
    for provenance, expected in (
        (demo_note, demo_note),
        ("written by hand for a test", "SYNTHESIZED boot: written by hand for a test"),
        (None, "SYNTHESIZED boot: this log was written by cvmreview"),
    ):
        boot = make_boot(log, name="synth", synthesized=True, provenance=provenance)
        html = web_client.get(f"/boots/{boot}").text
        banner = html.split('<div class="banner synth">')[1].split("</div>")[0]
        assert banner.count("SYNTHESIZED") == 1, banner
        assert banner.replace("&#39;", "'").startswith(expected)
