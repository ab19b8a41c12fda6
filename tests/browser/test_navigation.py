"""The sidebar a visitor sees when a shared link to a page is the server's very first visit."""

from __future__ import annotations

import pytest

from bench.app_driver import pages
from bench.app_driver.server import AppServer, app_env

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_server(browser):
    """A server nobody has visited yet (the app's page list is only known after a first run)."""
    server = AppServer(app_env())
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("path", ["/train?preset=fast-cnn", "/draw"])
def test_first_visit_by_direct_link_shows_every_page(fresh_server, new_page, run, artifacts, path):
    page = new_page()
    run(page.goto(fresh_server.url(path)))
    run(page.locator('[data-testid="stSidebarNav"] a').first.wait_for(timeout=60_000))
    labels = run(pages.nav_labels(page))
    run(page.screenshot(path=artifacts / f"first-visit{path.split('?')[0].replace('/', '-')}.png"))
    assert labels == list(pages.PAGE_LABELS), (
        f"opening {path} on a fresh server shows the sidebar {labels}: Streamlit ran the page file "
        "directly as an old-style pages/ app instead of app.py's st.navigation"
    )
