"""Fixtures of the browser tests: Debian's headless Chromium and the served example.

Playwright's own browser download does not work everywhere, so the browser is the
system's ``/usr/bin/chromium``. Without it (or without Playwright) the tests are
skipped with the reason, unless ``REQUIRE_BROWSER`` is set: then they fail, as CI
wants them to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from .site import ServerError, Site, serve_example

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container: no sandbox (no user namespaces), no GPU, and none of the
# background calls home that slow the start or fail offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
REQUIRED = os.environ.get("REQUIRE_BROWSER", "") not in {"", "0"}


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail when ``REQUIRE_BROWSER`` says the tests must run."""
    if REQUIRED:
        pytest.fail(f"{reason}, and REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example project, served for the whole session (after the browser is found)."""
    try:
        with serve_example(tmp_path_factory.mktemp("example")) as served:
            yield served
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def open_page(browser: Browser, site: Site) -> Iterator[Callable[..., Page]]:
    """Open pages of the site, each in a new browser context (its own cookies).

    Confirmation dialogs are accepted. The test fails if the page's JavaScript
    raised: the page must show errors, never throw them.
    """
    contexts: list[BrowserContext] = []
    page_errors: list[Exception] = []

    def open_(width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(
            base_url=site.url, viewport={"width": width, "height": height}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("pageerror", lambda error: page_errors.append(error))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not page_errors, f"the page's JavaScript raised: {page_errors}"


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()
