"""The training run's life cycle on the pages: start, stop, notice its end, and its note in the sidebar.

The run belongs to the workspace (`mnist_core.workspace_runs`), not to the
session: after a reload the same run shows again, live, and can be stopped.
Its worker saves the model into the workspace when it ends; each session then
selects that model in its pickers once and says how the run went.
"""

from __future__ import annotations

import streamlit as st

from mnist_core.config import TrainingConfig
from mnist_core.data import make_splits
from mnist_core.errors import ConfigError, DataError, JobError, StoreError
from mnist_core.resources import SharedResources
from mnist_core.settings import check_caps
from mnist_core.store import RunRecord
from mnist_core.workspace_runs import WorkspaceRun
from pages.ui import resources, run_inside, state, text
from pages.ui.models import select_everywhere


def latest() -> WorkspaceRun | None:
    """The workspace's latest run in this server process (going or finished)."""
    return resources.get_resources().runs.latest(st.session_state[state.WORKSPACE])


def in_progress() -> bool:
    """Whether the workspace's run is queued, training, or still saving its model."""
    run = latest()
    return run is not None and not run.settled


def last_interrupted() -> RunRecord | None:
    """The workspace's last run if a server restart interrupted it (and nothing ran since)."""
    if latest() is not None:
        return None
    try:
        runs = resources.get_resources().store.runs.list(st.session_state[state.WORKSPACE])
    except StoreError:
        return None
    return runs[-1] if runs and runs[-1].status == "interrupted" else None


def start(config: TrainingConfig, label: str, shared: SharedResources) -> bool:
    """Starts a background run for the workspace unless one is going; shows why not on failure."""
    if shared.data is None:
        return False  # The Train page shows why there is no data.
    try:
        check_caps(config, shared.settings, len(shared.data.y_train))
        splits = make_splits(shared.data, config.validation_size, config.train_size)
        probe = run_inside.drawing_to_watch(shared)
        shared.runs.start(st.session_state[state.WORKSPACE], config, label, splits, probe)
    except (ConfigError, DataError, JobError, StoreError) as error:
        st.error(text.plain(error), icon=":material/error:")
        return False
    st.session_state[state.FORM_NOTICES] = []
    return True


def stop() -> None:
    """Asks the workspace's run to stop after the current batch (a button's callback)."""
    run = latest()
    if run is not None:
        run.job.stop()


def collect_finished_run() -> None:
    """Once per session and run: selects a finished run's model in the pickers and notes how it went.

    `app.py` calls this before every page, so a run that ends while the user is
    drawing shows up in the Draw page's model list at once.
    """
    run = latest()
    session = st.session_state
    if run is None or not run.settled or session[state.RUN_SEEN] == run.id:
        return
    session[state.RUN_SEEN] = run.id
    if run.model_name is not None:
        select_everywhere(run.model_name)
        run_inside.index_in_background(run)
    elif run.unsaved is not None:
        select_everywhere(run.unsaved.name)


def sidebar_status() -> None:
    """A sidebar note on the workspace's run, so a run is visible from every page.

    Refreshed every two seconds while the run goes; when it ends, the model
    joins the lists at once (a full rerun) and a toast says how it went.
    """
    session = st.session_state
    if state.RUN_TOAST in session:
        st.toast(text.plain(session.pop(state.RUN_TOAST)), icon=":material/model_training:")
    if in_progress():
        with st.sidebar:
            st.fragment(_sidebar_view, run_every=2.0)()


def _sidebar_view() -> None:
    run = latest()
    if run is None:
        return
    progress = run.job.progress()
    if run.settled:
        collect_finished_run()
        st.session_state[state.RUN_TOAST] = f"{run.label}: {progress.message}"
        st.rerun()
    st.caption(f"**{text.plain(run.label)}** · {text.plain(progress.message)}")
    st.progress(progress.fraction_done)
