"""The Streamlit pages of the MNIST Playground and the helpers they share."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

# Streamlit treats a folder named pages/ as an old-style multipage app until some session
# has run st.navigation: a first visitor who opens /train directly gets pages/train.py on
# its own, without app.py's navigation and page config. The first page to import this
# package then switches the server to st.navigation routing and reruns through app.py.
if PagesManager.uses_pages_directory and get_script_run_ctx(suppress_warning=True) is not None:
    PagesManager.uses_pages_directory = False
    st.rerun()
