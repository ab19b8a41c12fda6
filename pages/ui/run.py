"""The training run's life cycle: start, stop, collect its model, and its note in the sidebar.

The run is a `TrainingJob` kept in session state, so reruns, page switches
and double clicks never restart or duplicate it; the worker thread never
calls Streamlit, the pages read `job.progress()` when they rerun.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_core.catalog import entry_from_result
from mnist_core.config import TrainingConfig
from mnist_core.data import make_splits
from mnist_core.errors import ConfigError, DataError
from mnist_core.progress import FINISHED, JobStatus
from mnist_core.resources import SharedResources
from mnist_core.settings import check_caps
from mnist_core.training import TrainingJob
from pages.ui import state
from pages.ui.models import add_model, new_model_name


def in_progress() -> bool:
    """Whether this session's run is queued or training."""
    job = st.session_state[state.RUN_JOB]
    return job is not None and not job.progress().finished


def start(config: TrainingConfig, label: str, resources: SharedResources) -> bool:
    """Starts a background run unless one is going; shows why not on failure."""
    session = st.session_state
    if in_progress():
        st.warning("Your run is still going: stop it or let it finish before starting another.")
        return False
    try:
        check_caps(config, resources.settings, len(resources.data.y_train))
        splits = make_splits(resources.data, config.validation_size, config.train_size)
        job = TrainingJob(
            config,
            splits,
            limiter=resources.limiter,
            owner_alive=_owner_alive_check(),
            abandon_after_s=resources.settings.session_timeout_s,
        )
    except (ConfigError, DataError) as error:
        st.error(str(error), icon=":material/error:")
        return False
    job.start()
    session[state.RUN_COUNT] += 1
    session[state.RUN_JOB], session[state.RUN_COLLECTED] = job, False
    session[state.RUN_LABEL] = f"Run {session[state.RUN_COUNT]} · {label}"
    session[state.FORM_NOTICES] = []
    return True


def stop() -> None:
    """Asks this session's run to stop after the current batch (a button's callback)."""
    job = st.session_state[state.RUN_JOB]
    if job is not None:
        job.stop()


def _owner_alive_check() -> Callable[[], bool]:
    """A function telling the job whether this browser session is still connected."""
    context = get_script_run_ctx()
    session_id = context.session_id if context else None

    def owner_alive() -> bool:
        if session_id is None or not runtime.exists():
            return True
        return runtime.get_instance().is_active_session(session_id)

    return owner_alive


def collect_finished_run() -> None:
    """Adds this session's finished run to its models, once.

    `app.py` calls this before every page, so a run that ends while the user is
    drawing still shows up in the Draw page's model list.
    """
    session = st.session_state
    job = session[state.RUN_JOB]
    if job is None or session[state.RUN_COLLECTED]:
        return
    status = job.progress().status
    if status not in FINISHED:
        return
    session[state.RUN_COLLECTED] = True
    if status == JobStatus.DONE and job.result is not None:
        entry = entry_from_result(job.result, new_model_name(session[state.RUN_LABEL]))
        add_model(entry)
        session[state.RUN_MODEL_NAME] = entry.name


def sidebar_status() -> None:
    """A sidebar note on this session's run, so a run is visible from every page.

    Refreshed every two seconds while the run goes; when it ends, the model
    joins the lists at once (a full rerun) and a toast says how it went.
    """
    session = st.session_state
    if state.RUN_TOAST in session:
        st.toast(session.pop(state.RUN_TOAST), icon=":material/model_training:")
    if session[state.RUN_JOB] is None or session[state.RUN_COLLECTED]:
        return
    with st.sidebar:
        st.fragment(_sidebar_view, run_every=2.0)()


def _sidebar_view() -> None:
    session = st.session_state
    progress = session[state.RUN_JOB].progress()
    if progress.finished:
        collect_finished_run()
        session[state.RUN_TOAST] = f"{session[state.RUN_LABEL]}: {progress.message}"
        st.rerun()
    st.caption(f"**{session[state.RUN_LABEL]}** · {progress.message}")
    st.progress(progress.fraction_done)
