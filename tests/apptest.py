"""Driving the app with Streamlit's AppTest: each `AppTest` is one browser session.

Sessions share the process-wide resources (`st.cache_resource`), which
`server_environment` makes afresh under the settings a test module wants.
"""

import contextlib
import re
import time
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from mnist_core.resources import forget_shared_resources

APP = Path(__file__).resolve().parent.parent / "app.py"
# The first run imports TensorFlow and loads the default models.
TIMEOUT = 60


# Streamlit's own PagesManager.__init__, before `server_environment` patches it.
STREAMLIT_PAGES_MANAGER_INIT = PagesManager.__init__


def routed_like_the_server(original_init):
    """PagesManager.__init__ as on the server: app.py's lifespan hook has switched old-style pages off.

    AppTest runs the script without the ASGI lifespan, and before every run it
    resets Streamlit's "pages/ folder means old-style pages" flag; the server
    clears that flag once, at start (see app.py), and so does this.
    """

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    return init


@contextlib.contextmanager
def server_environment(**variables):
    """The server's environment variables for the sessions opened inside, with fresh shared resources."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PagesManager, "__init__", routed_like_the_server(PagesManager.__init__))
        for name, value in variables.items():
            patch.setenv(name, str(value))
        forget_shared_resources()
        yield
    forget_shared_resources()


def run_until(at: AppTest, done, timeout: float = 120.0, what: str = "the condition") -> AppTest:
    """Reruns the page (as the browser's fragment timer would) until `done(at)`."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
        at.run()
    return at


def loading(at: AppTest) -> bool:
    return any("Loading the models" in info.value for info in at.info)


def open_app(page: str | None = None, query: dict | None = None) -> AppTest:
    """A new session: the home page until the resources are loaded, then `page`."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    run_until(at, lambda at: not loading(at), what="the shared resources to load")
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(item for item in at.button if item.label == label)


def texts(elements) -> str:
    """The elements' Markdown as the browser shows it: backslash escapes (see pages/ui/text.py) removed."""
    return " | ".join(re.sub(r"\\(.)", r"\1", element.value) for element in elements)


def model_names(at: AppTest) -> list[str]:
    """The "Your models" table's names (the Train page's conv-block editor is a dataframe too)."""
    table = next(frame.value for frame in at.dataframe if "Model" in frame.value.columns)
    return list(table["Model"])


def train_tiny_model(at: AppTest) -> str:
    """Starts the Train page's configured run and waits for it to finish; returns the status."""
    button(at, "Start training").click().run()
    run_until(at, lambda at: at.success or at.error, what="the run to finish")
    return texts(at.success) or texts(at.error)


def wait_until_no_training(timeout: float = 60.0) -> None:
    """Waits until no run holds or waits for a training slot (an earlier test's run may still be ending)."""
    from pages.ui.resources import get_resources

    limiter = get_resources().limiter
    deadline = time.monotonic() + timeout
    while limiter.counts() != (0, 0):
        assert time.monotonic() < deadline, f"runs still training or queued: {limiter.counts()}"
        time.sleep(0.1)
