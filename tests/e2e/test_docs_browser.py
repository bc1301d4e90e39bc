"""``/docs`` (Swagger UI) and ``/redoc`` render in headless Chromium with no network: every
request to another host is aborted and recorded, and the pages must still show the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import launch_chromium, new_tab
from tests.servicekit import Server, Services, service_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("docs-e2e")
    kit = Services(tmp, service_env(CVMREVIEW_DATA_DIR=str(tmp / "data")))
    try:
        yield kit.server()
    finally:
        kit.stop()


def offline_tab(browser: Any, server: Server) -> tuple[Any, list[str]]:
    """A tab that can reach the server only; what it tried elsewhere is listed."""
    tab = new_tab(browser, server.url)
    foreign: list[str] = []
    own = urlsplit(server.url).netloc

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == own:
            request_route.continue_()
        else:
            foreign.append(url)
            request_route.abort()

    tab.page.route("**/*", route)
    return tab, foreign


def test_swagger_ui_and_redoc_render_offline(server: Server, tmp_path: Path) -> None:
    with launch_chromium() as browser:
        tab, foreign = offline_tab(browser, server)
        page = tab.open("/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/boots/{boot_id}/export/{format_name}" in p for p in paths), paths
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("cvmreview")
        tab.shot("docs-swagger-offline")
        tab.assert_clean()

        redoc, redoc_foreign = offline_tab(browser, server)
        page = redoc.open("/redoc")
        page.wait_for_selector("h2:has-text('Export Result')", timeout=20_000)
        assert "cvmreview" in page.locator("h1").first.inner_text()
        redoc.shot("docs-redoc-offline")
        assert redoc_foreign == [], redoc_foreign
        redoc.assert_clean()
    assert foreign == [] and redoc_foreign == []
