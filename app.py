"""MNIST Playground: the entry point sets up the page and the workspace, shows the run and routes.

`streamlit run app.py` finds the `app` below (an ASGI app, Streamlit's `st.App`)
and serves this same file as the script every session runs. Its lifespan hook
starts loading MNIST, TensorFlow and the default models when the server
starts, before the first browser connects.
"""

import contextlib

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from pages.ui import registry, resources, run, state, workspace


@contextlib.asynccontextmanager
async def lifespan(_app):
    """At server start: begin loading, and route every first visit through `main` (see pages/__init__.py)."""
    PagesManager.uses_pages_directory = False
    resources.start_loading()
    yield


def main() -> None:
    """Configures the page and runs the page the URL asks for."""
    st.set_page_config(page_title="MNIST Playground", page_icon="✍️", layout="wide")
    # .streamlit/config.toml hides the list Streamlit would build from pages/; show ours.
    st.set_option("client.showSidebarNavigation", True)
    state.init_state()
    workspace_id = workspace.current()
    workspace.remember_in_browser(workspace_id)
    run.collect_finished_run()
    page = st.navigation([_page(info) for info in registry.PAGES])
    if page.url_path != registry.TRAIN.url_path:  # The Train page shows the run in full.
        run.sidebar_status()
    workspace.sidebar_panel(workspace_id)
    page.run()


def _page(info: registry.PageInfo) -> st.Page:
    url_path = info.url_path or None
    return st.Page(info.path, title=info.title, icon=info.icon, url_path=url_path, default=info.is_home)


app = st.App(__file__, lifespan=lifespan)

if __name__ == "__main__":
    main()
