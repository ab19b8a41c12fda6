"""The process-wide, read-only resources (data, default models, training limiter) and their loading note.

Only these live in `st.cache_resource`; everything a user makes stays in their own session.
"""

from __future__ import annotations

import streamlit as st

from mnist_core.errors import ConfigError
from mnist_core.resources import SharedResources
from mnist_core.settings import load_settings


@st.cache_resource(show_spinner=False)
def _shared_resources() -> SharedResources:
    # One per server process; it loads data, TensorFlow and the default models on its own thread.
    keep_keras_state_between_runs()
    return SharedResources(load_settings())


def keep_keras_state_between_runs() -> None:
    """Stops Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that to tidy single-user scripts. Here it is harmful: each
    call runs a full garbage collection (about 300 ms with TensorFlow loaded,
    holding the GIL), clears TensorFlow's kernel cache and resets Keras's
    global settings under other sessions' running trainings. With a few runs
    refreshing their charts every second the server stalled for tens of
    seconds. Our models are long-lived and shared, so there is nothing to clear.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = _clean_nothing


def _clean_nothing() -> None:
    """Replacement for Streamlit's per-run Keras clean-up (see above)."""


def get_resources() -> SharedResources:
    """The process-wide resources (possibly still loading); stops the page on bad settings."""
    try:
        return _shared_resources()
    except ConfigError as error:
        st.error(f"This server's settings are invalid, so nothing can load: {error}")
        st.stop()


@st.fragment(run_every=0.5)
def loading_status() -> None:
    """Shows the loading stage, re-checked twice a second; reruns the page once loading is done."""
    resources = get_resources()
    if resources.ready:
        st.rerun()
    st.info(f"Loading the models… {resources.stage}", icon=":material/hourglass_top:")


def wait_for_resources(*, need_data: bool = False) -> SharedResources:
    """The loaded resources; until then shows the loading stage and stops the page."""
    resources = get_resources()
    if not resources.ready:
        loading_status()
        st.stop()
    if need_data and resources.data is None:
        st.error(f"No MNIST data could be loaded, so this page cannot work: {resources.data_error}")
        st.stop()
    return resources
