"""Headless Chromium and the app's pages: opening, waiting for Streamlit, links, metrics, pickers."""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.app_driver.hooks import IDLE_JS, INIT_SCRIPT
from bench.app_driver.server import TRACEBACK

try:
    from playwright.async_api import Error as PlaywrightError
except ImportError:  # The browser tests skip; see browser_missing_reason.
    PlaywrightError = RuntimeError

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Playwright

CHROMIUM = os.environ.get("MNIST_CHROMIUM", "/usr/bin/chromium")
# Debian's old headless shell: the same engine without the full browser around it. The cold-start
# crowd uses it, where ten pages share the server's two cores (ten first visitors: 18.5 s -> 16.5 s).
HEADLESS_SHELL = os.environ.get("MNIST_HEADLESS_SHELL", "/usr/bin/chromium-headless-shell")
# CHROMIUM (or HEADLESS_SHELL) run by a script that lowers its priority (see the script).
LOW_PRIORITY_CHROMIUM = str(Path(__file__).with_name("chromium_low_priority"))
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
VIEWPORT = {"width": 1400, "height": 1000}
# The sidebar's page labels and the URL path each opens (as pages/ui/registry.py lists them).
PAGE_PATHS = {
    "Home": "",
    "Train": "train",
    "Errors": "errors",
    "Draw": "draw",
    "Inside": "inside",
    "My handwriting": "handwriting",
}
PAGE_LABELS = tuple(PAGE_PATHS)


def browser_missing_reason() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set MNIST_CHROMIUM)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return ""


async def launch_browser(playwright: Playwright, *, shell: bool = False) -> Browser:
    """Headless Debian Chromium (never a downloaded browser), at a lower priority than the server.

    Args:
        playwright: The running Playwright.
        shell: Use Debian's lighter headless shell (HEADLESS_SHELL) when it is installed.
    """
    binary = HEADLESS_SHELL if shell and Path(HEADLESS_SHELL).exists() else CHROMIUM
    return await playwright.chromium.launch(
        executable_path=LOW_PRIORITY_CHROMIUM,
        args=CHROMIUM_ARGS,
        env={**os.environ, "MNIST_CHROMIUM": binary},
    )


async def new_page(browser: Browser, viewport: dict | None = None) -> Page:
    """A page in a fresh context (a new Streamlit session), with the timing hooks installed."""
    context = await browser.new_context(viewport=viewport or VIEWPORT)
    await context.add_init_script(INIT_SCRIPT)
    return await context.new_page()


async def wait_idle(page: Page, quiet_ms: int = 250, timeout: float = 30.0) -> None:
    """Waits until no script run is pending and nothing happened for `quiet_ms`."""
    await page.wait_for_function(IDLE_JS, arg=quiet_ms, timeout=timeout * 1000, polling=50)


async def open_app(page: Page, url: str, *, timeout: float = 90.0) -> float:
    """Loads a URL and waits until the app rendered and went idle; returns the seconds taken."""
    start = time.perf_counter()
    await page.goto(url, timeout=timeout * 1000)
    await page.locator('[data-testid="stSidebarNav"] a').first.wait_for(timeout=timeout * 1000)
    await wait_idle(page, timeout=timeout)
    return time.perf_counter() - start


async def wait_models_loaded(page: Page, timeout: float = 180.0) -> None:
    """On the home page: waits for the model table, shown once data, TensorFlow and default models loaded."""
    await page.locator('[data-testid="stDataFrame"]').wait_for(timeout=timeout * 1000)


def nav_link(page: Page, label: str):
    """The sidebar link to a page, by its label ("Home", "Train", "Errors", "Draw")."""
    return page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(rf"{re.escape(label)}$"))


async def nav_labels(page: Page) -> list[str]:
    """The sidebar's page labels, without the icon names."""
    texts = await page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    return [text.split("\n")[-1].strip() for text in texts]


async def navigate(page: Page, label: str, *, ready=None, timeout: float = 60.0) -> None:
    """Switches page with the in-app sidebar link (same session, no reload).

    Args:
        page: The page.
        label: The link's label.
        ready: A locator to wait for instead of waiting for the app to go idle (a page
            that refreshes itself every second, like Train during a run, is rarely idle).
        timeout: Seconds to wait.
    """
    await nav_link(page, label).click(timeout=timeout * 1000)
    path = PAGE_PATHS[label]
    await page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=timeout * 1000)
    if ready is None:
        await wait_idle(page, timeout=timeout)
    else:
        await ready.first.wait_for(timeout=timeout * 1000)


def metric(page: Page, label: str):
    """The value element of the `st.metric` labelled exactly `label`."""
    label_element = page.locator('[data-testid="stMetricLabel"]').filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
    )
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has=label_element)
        .locator('[data-testid="stMetricValue"]')
    )


async def read_metric(page: Page, label: str) -> str | None:
    """The metric's value text, or None when the page shows no such metric."""
    values = await metric(page, label).all_inner_texts()
    return values[0].strip() if values else None


async def exception_texts(page: Page) -> list[str]:
    """Streamlit exception boxes and Python tracebacks shown on the page."""
    found = await page.locator('[data-testid="stException"]').all_inner_texts()
    body = await page.locator("body").inner_text()
    if TRACEBACK.search(body) and not found:
        found.append(body[TRACEBACK.search(body).start() :][:2000])
    return found


def selectbox_input(page: Page, label: str):
    """The text box of the `st.selectbox` labelled `label`."""
    return page.locator(f'[data-testid="stSelectbox"] input[role="combobox"][aria-label="{label}"]')


async def selected_option(page: Page, label: str) -> str:
    return await selectbox_input(page, label).input_value()


async def select_options(page: Page, label: str) -> list[str]:
    """All options of a selectbox (opens its list, reads it, closes it again)."""
    box = selectbox_input(page, label)
    await box.click()
    options = page.locator('[role="option"]')
    await options.first.wait_for()
    texts = [text.strip() for text in await options.all_inner_texts()]
    await page.keyboard.press("Escape")
    await box.blur()
    return texts


async def full_screenshot(page: Page, path: str | Path, *, max_height: int = 6000) -> None:
    """A screenshot of the whole page; Streamlit scrolls inside its main block, so the
    viewport is made as tall as that block for the shot."""
    height = await page.evaluate(
        """() => { const main = document.querySelector('[data-testid="stMain"]');
                   return main ? main.scrollHeight : document.body.scrollHeight; }"""
    )
    viewport = page.viewport_size or VIEWPORT
    await page.set_viewport_size({"width": viewport["width"], "height": min(max(height, 600), max_height)})
    try:
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_function(
                "() => [...document.images].every((image) => image.complete)", timeout=10_000
            )
        await page.screenshot(path=str(path))
    finally:
        await page.set_viewport_size(viewport)
