"""Fixtures for the browser tests: one `streamlit run` server and one headless Chromium for the session.

The tests drive the real app through `bench/app_driver/` (Playwright's
asyncio API, run on one event loop with `run(...)`). Without Chromium or
Playwright they are skipped, unless MNIST_REQUIRE_BROWSER=1 (set by CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from bench.app_driver import pages
from bench.app_driver.server import REPO, AppServer, app_env

ARTIFACTS = REPO / "test-artifacts"


def require_browser() -> None:
    """Skips the test when no browser can run here; fails instead when MNIST_REQUIRE_BROWSER=1."""
    reason = pages.browser_missing_reason()
    if not reason:
        return
    if os.environ.get("MNIST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MNIST_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}.")
    pytest.skip(f"Browser tests need headless Chromium and Playwright: {reason}.")


@pytest.fixture(scope="session")
def needs_browser() -> None:
    """Skips (or, with MNIST_REQUIRE_BROWSER=1, fails) the test when no browser can run here."""
    require_browser()


@pytest.fixture(scope="session")
def loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def run(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine], Any]:
    """Runs a coroutine on the session's event loop (the one the browser lives on)."""
    return loop.run_until_complete


@pytest.fixture(scope="session")
def browser(needs_browser, run):
    from playwright.async_api import async_playwright

    playwright = run(async_playwright().start())
    browser = run(pages.launch_browser(playwright))
    yield browser
    run(browser.close())
    run(playwright.stop())


@pytest.fixture(scope="session")
def app_server(browser, run) -> AppServer:
    """A server with small caps, warmed up: one session opened the home page and the models loaded."""
    server = AppServer(app_env(MNIST_MAX_TRAIN_SIZE=5000, MNIST_MAX_EPOCHS=5))
    server.start()

    async def warm_up() -> None:
        page = await pages.new_page(browser)
        await pages.open_app(page, server.url("/"), timeout=180)
        await page.get_by_text("Your models").wait_for(timeout=180_000)
        await pages.wait_models_loaded(page)
        await page.context.close()

    try:
        run(warm_up())
        yield server
    finally:
        server.stop()
    assert not server.tracebacks(), f"The server printed tracebacks:\n{server.tracebacks()[0]}"


@pytest.fixture
def new_page(browser, run):
    """Opens pages in fresh contexts (fresh Streamlit sessions), closed after the test."""
    contexts = []

    def make():
        page = run(pages.new_page(browser))
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        run(context.close())


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots, drawn digits, timings."""
    (ARTIFACTS / "drawn").mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def timings(artifacts: Path):
    """A dict the tests put measured figures in; written to test-artifacts/browser-timings.json."""
    figures: dict[str, Any] = {}
    yield figures
    if figures:
        (artifacts / "browser-timings.json").write_text(json.dumps(figures, indent=2) + "\n")
