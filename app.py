"""MNIST Playground: the entry point sets up the page and the session, shows the run and routes."""

import streamlit as st

from pages.ui import registry, run, state


def main() -> None:
    """Configures the page and runs the page the URL asks for."""
    st.set_page_config(page_title="MNIST Playground", page_icon="✍️", layout="wide")
    # .streamlit/config.toml hides the list Streamlit would build from pages/; show ours.
    st.set_option("client.showSidebarNavigation", True)
    state.init_state()
    run.collect_finished_run()
    page = st.navigation([_page(info) for info in registry.PAGES])
    if page.url_path != registry.TRAIN.url_path:  # The Train page shows the run in full.
        run.sidebar_status()
    page.run()


def _page(info: registry.PageInfo) -> st.Page:
    url_path = info.url_path or None
    return st.Page(info.path, title=info.title, icon=info.icon, url_path=url_path, default=info.is_home)


main()
