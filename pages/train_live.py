"""The Train page's run controls, live progress, run comparison and model files.

The run is a `TrainingJob` kept in session state, so reruns, page switches
and double clicks never restart or duplicate it; a fragment polls
`job.progress()` once a second while it runs (the worker thread never calls
Streamlit).
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_core.catalog import entry_from_loaded
from mnist_core.config import TrainingConfig
from mnist_core.data import make_splits
from mnist_core.errors import ConfigError, DataError, ModelFileError
from mnist_core.models import count_params, describe_model, estimate_epoch_seconds, estimate_run_seconds
from mnist_core.persistence import load_model_bytes, model_to_bytes
from mnist_core.resources import SharedResources
from mnist_core.settings import check_caps
from mnist_core.training import JobProgress, JobStatus, TrainingJob
from pages import charts, common, form_state


def format_seconds(seconds: float | None) -> str:
    """Seconds as "42 s", "3 min 5 s" or "1 h 2 min"; "–" when unknown."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return "< 1 s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def run_in_progress() -> bool:
    job = st.session_state.get("run_job")
    return job is not None and not job.progress().finished


def _owner_alive_check():
    """A function telling the job whether this browser session is still connected."""
    context = get_script_run_ctx()
    session_id = context.session_id if context else None

    def owner_alive() -> bool:
        if session_id is None or not runtime.exists():
            return True
        return runtime.get_instance().is_active_session(session_id)

    return owner_alive


def start_run(config: TrainingConfig, label: str, resources: SharedResources) -> bool:
    """Starts a background run unless one is going; shows why not on failure."""
    state = st.session_state
    if run_in_progress():
        st.warning("Your run is still going: stop it or let it finish before starting another.")
        return False
    try:
        check_caps(config, resources.settings)
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
    state.run_count = state.get("run_count", 0) + 1
    state.run_job, state.run_collected = job, False
    state.run_label = f"Run {state.run_count} · {label}"
    state.train_notices = []
    return True


def controls(config: TrainingConfig | None, recipe: str, resources: SharedResources) -> None:
    """The size and time estimate, then Start and Stop."""
    if config is not None:
        examples = form_state.train_examples(config, len(resources.data.y_train))
        validation = form_state.validation_size(config, len(resources.data.y_train))
        seconds = estimate_epoch_seconds(config, examples, validation)
        columns = st.columns(4)
        columns[0].metric("Parameters", f"{count_params(config.model):,}")
        columns[1].metric("Training examples", f"{examples:,}")
        columns[2].metric(
            "Time per epoch (est.)",
            format_seconds(seconds),
            help="For a 2-core CPU with no other run, validation included.",
        )
        columns[3].metric(
            "Whole run (est.)",
            format_seconds(estimate_run_seconds(config, examples, validation)),
            help="Every epoch plus a few seconds to start and to score the test set.",
        )
        st.caption(describe_model(config.model))
    busy = run_in_progress()
    start_column, stop_column, note_column = st.columns([1, 1, 3], vertical_alignment="center")
    start = start_column.button(
        "Start training",
        type="primary",
        icon=":material/play_arrow:",
        disabled=busy or config is None,
        width="stretch",
    )
    stop_column.button(
        "Stop",
        icon=":material/stop:",
        disabled=not busy,
        on_click=_stop,
        width="stretch",
        help="End the run after the current batch and keep what it learned.",
    )
    if busy:
        note_column.caption("Training carries on while you use the other pages.")
    elif config is None:
        note_column.caption("Fix the settings marked in red to start.")
    if start and config is not None and start_run(config, form_state.run_label(config, recipe), resources):
        st.rerun()


def _stop() -> None:
    job = st.session_state.get("run_job")
    if job is not None:
        job.stop()


def live_run(resources: SharedResources) -> None:
    """The latest run's progress and curves, refreshed every second while it runs."""
    if st.session_state.get("run_job") is None:
        st.info("No run yet: pick a recipe and press **Start training**; live progress and curves show here.")
        return
    st.fragment(_live_view, run_every=1.0 if run_in_progress() else None)(resources.limiter.max_running)


def _live_view(slots: int) -> None:
    state = st.session_state
    progress = state.run_job.progress()
    if progress.finished and not state.run_collected:
        common.collect_finished_run()
        st.rerun()
    st.subheader(state.run_label)
    _status(progress, state.get("run_model_name"), slots)
    if not progress.batches["step"]:
        return
    smoothing = st.slider(
        "Smoothing",
        0.0,
        0.99,
        0.6,
        0.01,
        key="train_smoothing",
        persist_state="session",
        help="Exponential moving average of the per-batch values (the faint line).",
    )
    frame = charts.training_curves(progress.batches, progress.epochs_history, smoothing)
    for column, metric in zip(st.columns(2), ("loss", "accuracy"), strict=True):
        column.markdown(f"**{charts.METRIC_TITLES[metric].capitalize()}** per batch, validation per epoch")
        column.vega_lite_chart(*charts.curve_figure(frame, metric, progress.epochs), width="stretch")


def _status(progress: JobProgress, model_name: str | None, slots: int) -> None:
    if progress.status == JobStatus.QUEUED:
        st.info(progress.message, icon=":material/schedule:")
        runs = "one run" if slots == 1 else f"{slots} runs"
        st.caption(f"This server trains {runs} at a time; yours starts by itself when a place frees up.")
        return
    if progress.status in (JobStatus.RUNNING, JobStatus.STOPPING):
        where = f"Epoch {progress.epoch} of {progress.epochs}"
        st.progress(
            progress.fraction_done, text=f"{where} · batch {progress.batch} of {progress.steps_per_epoch}"
        )
        st.caption(progress.message)
    elif progress.status == JobStatus.DONE:
        st.success(progress.message, icon=":material/check_circle:")
        if model_name:
            st.caption(f"Added to your models as **{model_name}**: inspect its mistakes or draw for it.")
            links = st.columns(4)
            links[0].page_link("pages/errors.py", label="See its errors", icon=":material/grid_view:")
            links[1].page_link("pages/draw.py", label="Draw for it", icon=":material/draw:")
    elif progress.status == JobStatus.CANCELLED:
        st.warning(progress.message)
    else:
        st.error(progress.message, icon=":material/error:")
    last = progress.epochs_history[-1] if progress.epochs_history else {}
    columns = st.columns(4)
    rate = progress.samples_per_second
    columns[0].metric("Samples / s", f"{rate:,.0f}" if rate else "–")
    columns[1].metric("Elapsed", format_seconds(progress.elapsed_s))
    columns[2].metric("Time left", format_seconds(progress.eta_s) if not progress.finished else "–")
    val_accuracy = last.get("val_accuracy")
    columns[3].metric("Validation accuracy", f"{val_accuracy:.2%}" if val_accuracy is not None else "–")


def compare_runs() -> None:
    """Overlays the validation curves of the runs the user picks."""
    st.subheader("Compare runs")
    runs = {entry.name: entry for entry in common.session_models() if entry.progress is not None}
    if not runs:
        st.caption("Each finished run of this session shows up here, to overlay its validation curves.")
        return
    names = st.multiselect("Runs", list(runs), default=list(runs)[-3:], placeholder="Pick runs to compare")
    chosen = {name: runs[name].progress.epochs_history for name in names}
    frame = charts.comparison_frame(chosen)
    if frame.empty:
        st.caption("Pick runs with a validation split to see their curves.")
        return
    for column, metric in zip(st.columns(2), ("accuracy", "loss"), strict=True):
        column.markdown(f"**Validation {metric}** per epoch")
        column.altair_chart(charts.comparison_chart(frame, metric), width="stretch")


def model_files(resources: SharedResources) -> None:
    """The session's models, with a download button and an upload box."""
    st.subheader("Your models")
    models = common.all_models(resources)
    common.show_models_table(models)
    download, upload = st.columns(2, gap="large")
    if models:
        names = [entry.name for entry in models]
        name = download.selectbox("Model to download", names, index=len(names) - 1)
        model = models[names.index(name)].model
        download.download_button(
            "Download .keras",
            data=lambda: model_to_bytes(model),
            on_click="ignore",
            file_name=f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-').lower()}.keras",
            mime="application/octet-stream",
            icon=":material/download:",
        )
    upload.file_uploader(
        "Upload a .keras model",
        key="train_upload",
        on_change=_on_upload,
        help="A Keras 3 model file mapping a 28×28 image to 10 classes.",
    )
    message = st.session_state.get("upload_message")
    if message:
        (upload.success if message[0] == "success" else upload.error)(message[1])


def _on_upload() -> None:
    file = st.session_state.get("train_upload")
    if file is None:
        st.session_state.upload_message = None
        return
    try:
        loaded = load_model_bytes(file.getvalue(), file.name)
    except ModelFileError as error:
        st.session_state.upload_message = ("error", str(error))
        return
    name = common.new_model_name(f"Uploaded · {Path(file.name).stem}")
    common.add_model(entry_from_loaded(loaded, name, "uploaded"))
    st.session_state.upload_message = ("success", f"Added **{name}** to your models.")
