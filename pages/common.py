"""Streamlit helpers the pages share: the shared resources, this session's models, images.

Everything a user makes (runs, models, evaluations) lives in `st.session_state`,
so two browsers never see each other's work; only the read-only
`SharedResources` (data, default models, training limiter) is process-wide.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from mnist_core.catalog import ModelEntry, entry_from_result, unique_name
from mnist_core.errors import ConfigError
from mnist_core.resources import DEFAULT_MODEL_FILES, SharedResources
from mnist_core.settings import load_settings
from mnist_core.training import FINISHED, JobStatus

# The model pickers a new model is selected in.
PICKERS = ("errors_model", "draw_model")
ORIGIN_LABELS = {"default": "shipped default", "trained": "trained here", "uploaded": "uploaded"}


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


def collect_finished_run() -> None:
    """Adds this session's finished training run to its models, once.

    Every page calls this (through `session_models`), so a run that ends while
    the user is drawing still shows up in the Draw page's model list.
    """
    state = st.session_state
    job = state.get("run_job")
    if job is None or state.get("run_collected", True):
        return
    status = job.progress().status
    if status not in FINISHED:
        return
    state.run_collected = True
    if status == JobStatus.DONE and job.result is not None:
        entry = entry_from_result(job.result, new_model_name(state.run_label))
        add_model(entry)
        state.run_model_name = entry.name


def run_status() -> None:
    """A sidebar note on this session's run, so a run is visible from every page.

    Refreshed every two seconds while the run goes; when it ends, the model
    joins the lists at once (a full rerun) and a toast says how it went.
    """
    state = st.session_state
    if "run_toast" in state:
        st.toast(state.pop("run_toast"), icon=":material/model_training:")
    if state.get("run_job") is None or state.get("run_collected", True):
        return
    with st.sidebar:
        st.fragment(_run_status_view, run_every=2.0)()


def _run_status_view() -> None:
    state = st.session_state
    progress = state.run_job.progress()
    if progress.finished:
        collect_finished_run()
        state.run_toast = f"{state.run_label}: {progress.message}"
        st.rerun()
    st.caption(f"**{state.run_label}** · {progress.message}")
    st.progress(progress.fraction_done)


def session_models() -> list[ModelEntry]:
    """The models this session trained or uploaded, oldest first."""
    collect_finished_run()
    return st.session_state.setdefault("models", [])


def all_models(resources: SharedResources) -> list[ModelEntry]:
    """The shipped defaults, then this session's own models."""
    return [*resources.default_models, *session_models()]


def add_model(entry: ModelEntry) -> None:
    """Adds a model to this session's list and selects it on the Errors and Draw pages."""
    st.session_state.setdefault("models", []).append(entry)
    for picker in PICKERS:
        st.session_state[picker] = entry.name


def new_model_name(base: str) -> str:
    """`base`, or `base (2)`... so that no two models of this session share a name."""
    taken = [*DEFAULT_MODEL_FILES, *(entry.name for entry in st.session_state.get("models", []))]
    return unique_name(base, taken)


def model_picker(models: list[ModelEntry], label: str, key: str, *, default_index: int = 0) -> ModelEntry:
    """A selectbox of models by name that remembers its choice across pages."""
    names = [entry.name for entry in models]
    if st.session_state.get(key) not in names:
        st.session_state[key] = names[min(default_index, len(names) - 1)]
    name = st.selectbox(label, names, key=key, persist_state="session")
    return models[names.index(name)]


def models_table(models: list[ModelEntry]) -> pd.DataFrame:
    """One row per model, for st.dataframe."""
    return pd.DataFrame(
        {
            "Model": [entry.name for entry in models],
            "Origin": [ORIGIN_LABELS.get(entry.origin, entry.origin) for entry in models],
            "Test accuracy": [entry.test_accuracy for entry in models],
            "Architecture": [entry.description for entry in models],
        }
    )


def show_models_table(models: list[ModelEntry]) -> None:
    """The models as a compact table with accuracy as a percentage."""
    st.dataframe(
        models_table(models),
        hide_index=True,
        width="stretch",
        column_config={
            "Test accuracy": st.column_config.NumberColumn(format="percent"),
            "Architecture": st.column_config.TextColumn(width="large"),
        },
    )


def enlarge(image: np.ndarray, scale: int = 4) -> Image.Image:
    """A grey image (uint8, or float in [0, 1]) scaled up with hard pixel edges.

    Nearest-neighbour keeps each of the 28x28 pixels a crisp square, which is
    what the model really sees; smooth scaling would hide it.
    """
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        pixels = (np.clip(pixels, 0.0, 1.0) * 255).round().astype(np.uint8)
    height, width = pixels.shape
    return Image.fromarray(pixels).resize((width * scale, height * scale), Image.Resampling.NEAREST)
