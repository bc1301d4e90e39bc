"""The host track: its figure against plotly's schema, and the boot page showing it."""

from __future__ import annotations

import io
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from app.analysis.report import analyze
from app.service.figures.host import build_host_figure, host_view
from app.web.templating import build_templates
from tests.unit.analysis.host.test_host_view import SNP_CAPTURE
from tests.web.conftest import BootMaker
from tests.web.figures import assert_valid_figure, embedded_figures


def test_host_figure_is_valid_and_on_the_trace_seconds() -> None:
    document = analyze(io.BytesIO(SNP_CAPTURE.encode()), name="capture.log")
    assert document.host is not None
    figure = build_host_figure(document.host)
    assert figure is not None
    assert_valid_figure(figure)
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["shared pages (host)", "to shared", "to private", "conversions per second"]
    assert figure["layout"]["xaxis"]["title"]["text"] == "seconds (host trace)"
    assert figure["data"][0]["x"] == [0.0, 0.5, 0.6, 1.25, 3.0]
    assert figure["data"][0]["y"] == [4, 260, 516, 4, 16388]
    assert [band["name"] for band in figure["layout"]["shapes"]] == ["SEC", "kernel"]


def test_no_host_section_no_track() -> None:
    document = analyze(io.BytesIO(b"SecCoreStartupWithStack(0xFFFCC000, 0x820000)\n"), name="g")
    assert host_view(document) == {"host": None, "host_figure": None}


def test_boot_page_shows_the_host_track(web_client: Any, make_boot: BootMaker) -> None:
    boot_id = make_boot(SNP_CAPTURE.encode(), name="snp-capture")
    page = web_client.get(f"/boots/{boot_id}")
    assert page.status_code == 200
    assert 'id="host"' in page.text and 'id="host-phases"' in page.text
    assert "4 conversions to shared, 1 to private" in page.text
    figures = embedded_figures(page.text)
    assert "host-plot-data" in figures
    assert_valid_figure(figures["host-plot-data"])


def test_the_host_summary_says_when_guest_conversions_were_not_checked() -> None:
    document = analyze(io.BytesIO(SNP_CAPTURE.encode()), name="capture.log")
    assert document.host is not None and document.host.cross_check is not None
    template = build_templates().env.get_template("boots/_host.html")
    boot = SimpleNamespace(id=1)
    assert "not checked" not in template.render(host=document.host, host_figure=None, boot=boot)
    capped = replace(document.host.cross_check, guest_conversions_not_checked=1234)
    host = replace(document.host, cross_check=capped)
    page = template.render(host=host, host_figure=None, boot=boot)
    assert "3 guest conversions paired (1,234 later ones not checked)" in page
