"""Headless Chromium for the page tests: Debian's /usr/bin/chromium driven by Playwright
(never a downloaded browser), console errors collected, screenshots into tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Tab:
    """A page plus every console error and uncaught exception it produced."""

    page: Any
    base_url: str
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if full_page:  # sticky bars would otherwise be drawn where the viewport was
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def shot_element(self, selector: str, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.locator(selector).first.screenshot(path=str(path))
        return path

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A Chromium browser; skipped when the Debian package is missing (failed under CI)."""
    import os

    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (make system-packages)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(
    browser: Any,
    base_url: str,
    *,
    width: int = 1400,
    height: int = 900,
    headers: dict[str, str] | None = None,
) -> Tab:
    """A tab in a fresh context; ``headers`` go with every request (e.g. a Bearer token)."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, extra_http_headers=headers or {}
    )
    page = context.new_page()
    tab = Tab(page, base_url)
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    return tab
