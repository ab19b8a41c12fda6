"""The Streamlit pages of the MNIST Playground; their helpers live in `pages/ui/`."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def route_through_app() -> None:
    """Makes sure this page runs inside `app.py` (page config, workspace, sidebar), never on its own.

    Streamlit treats a folder named pages/ as an old-style multipage app until
    st.navigation has run, and then runs a page file by itself. `app.py`'s
    lifespan hook switches that off when the server starts; where there is no
    lifespan (Streamlit's AppTest), the first page to run switches it off here
    and reruns through `app.py`. Every page calls this first.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
