"""MNIST Playground: the entry point sets up the page, shows the run in the sidebar and routes."""

import streamlit as st

from pages import common


def main() -> None:
    """Configures the page and runs the page the URL asks for."""
    st.set_page_config(page_title="MNIST Playground", page_icon="✍️", layout="wide")
    # .streamlit/config.toml hides the list Streamlit would build from pages/; show ours.
    st.set_option("client.showSidebarNavigation", True)
    pages = [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
        st.Page("pages/errors.py", title="Errors", icon=":material/grid_view:", url_path="errors"),
        st.Page("pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
    ]
    page = st.navigation(pages)
    if page.url_path != "train":  # The Train page shows the run in full.
        common.run_status()
    page.run()


main()
