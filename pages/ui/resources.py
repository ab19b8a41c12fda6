"""The process-wide resources (data, default models, limiter, workspace store, runs) and their loading note.

Loading starts when the server starts (`app.py`'s lifespan hook) or, at the
latest, when the first browser connects; it costs the same however many
sessions wait. A waiting page says what is loading and about how long is
left, updating that one line in place: it never reruns while it waits.
"""

from __future__ import annotations

import streamlit as st
from streamlit import runtime

from mnist_core.errors import ConfigError
from mnist_core.resources import SharedResources, shared_resources
from mnist_core.settings import load_settings
from pages.ui import text

# How often a waiting page refreshes its "about N s left" line (and notices a click elsewhere).
WAIT_STEP_S = 0.25
STILL_STATUS_CSS = "<style>[data-testid='stStatusWidget'] { display: none; }</style>"


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


def session_alive(session_id: str) -> bool:
    """Whether a browser session is still connected (a run is abandoned once none of its workspace is)."""
    return not runtime.exists() or runtime.get_instance().is_active_session(session_id)


def start_loading() -> SharedResources:
    """The process's resources, loading in the background; the same object for every caller."""
    keep_keras_state_between_runs()
    shared = shared_resources(load_settings())
    shared.runs.session_alive = session_alive
    return shared


def get_resources() -> SharedResources:
    """The process-wide resources (possibly still loading); stops the page on bad settings."""
    try:
        return start_loading()
    except ConfigError as error:
        st.error(f"This server's settings are invalid, so nothing can load: {text.plain(error)}")
        st.stop()


def wait_while_loading(shared: SharedResources) -> None:
    """Shows what is loading and about how long is left, in place, until loading has finished."""
    holder = st.empty()
    with holder.container():
        st.html(STILL_STATUS_CSS)  # The "running" animation would repaint every frame while we wait.
        note = st.empty()
    shown = ""
    while not shared.wait(WAIT_STEP_S):
        line = f"Loading the models… {shared.stage} About {shared.seconds_left()} s left."
        if line != shown:  # An unchanged line sends nothing; a new one also lets a click elsewhere stop us.
            note.info(line, icon=":material/hourglass_top:")
            shown = line
    holder.empty()


def wait_for_resources(*, need_data: bool = False) -> SharedResources:
    """The loaded resources; until then the page waits here, saying what loads."""
    shared = get_resources()
    if not shared.ready:
        wait_while_loading(shared)
    if need_data and shared.data is None:
        st.error(f"No MNIST data could be loaded, so this page cannot work: {text.plain(shared.data_error)}")
        st.stop()
    return shared
