"""The Train page's run: the size and time estimate, Start and Stop, live progress, and run comparison.

A fragment polls `job.progress()` once a second while the run goes; the
worker thread never calls Streamlit.
"""

from __future__ import annotations

import streamlit as st

from mnist_core.config import TrainingConfig
from mnist_core.presets import run_label
from mnist_core.progress import JobProgress, JobStatus
from mnist_core.resources import SharedResources
from mnist_core.settings import Settings
from mnist_core.sizing import (
    count_params,
    describe_model,
    estimate_epoch_seconds,
    estimate_run_seconds,
    format_bytes,
    format_seconds,
    split_sizes,
    training_memory_bytes,
)
from pages.ui import charts, registry, run, run_inside, state, text
from pages.ui.models import workspace_models


def controls(config: TrainingConfig | None, recipe: str, resources: SharedResources) -> None:
    """The size and time estimate against the server's caps, then Start and Stop."""
    if config is not None:
        estimate(config, len(resources.data.y_train), resources.settings)
    busy = run.in_progress()
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
        on_click=run.stop,
        width="stretch",
        help="End the run after the current batch and keep what it learned.",
    )
    if busy:
        note_column.caption("Training carries on while you use the other pages.")
    elif config is None:
        note_column.caption("Fix the settings marked in red to start.")
    if start and config is not None and run.start(config, run_label(config, recipe), resources):
        st.rerun()


def estimate(config: TrainingConfig, total: int, settings: Settings) -> None:
    """Parameters, examples, memory and time of a run, each beside this server's cap."""
    examples, validation = split_sizes(config, total)
    columns = st.columns(5)
    columns[0].metric(
        "Parameters",
        f"{count_params(config.model):,}",
        help=f"At most {settings.max_params:,} on this server.",
    )
    columns[1].metric("Training examples", f"{examples:,}")
    columns[2].metric(
        "Memory per step (est.)",
        format_bytes(training_memory_bytes(config)),
        help=f"Weights, optimizer and one batch's activations; at most {settings.max_training_mb:,} MB here.",
    )
    columns[3].metric(
        "Time per epoch (est.)",
        format_seconds(estimate_epoch_seconds(config, examples, validation)),
        help="For a 2-core CPU with no other run, validation included.",
    )
    columns[4].metric(
        "Whole run (est.)",
        format_seconds(estimate_run_seconds(config, examples, validation)),
        help=f"Every epoch plus a few seconds to start and to score the test set; at most "
        f"{settings.max_run_minutes} min here.",
    )
    st.caption(describe_model(config.model))


def live_run(shared: SharedResources) -> None:
    """The workspace's latest run: progress and curves, refreshed every second while it runs."""
    current = run.latest()
    if current is None:
        interrupted = run.last_interrupted()
        if interrupted is not None:
            st.warning(
                f"{text.plain(interrupted.label)}: {text.plain(interrupted.message)}",
                icon=":material/restart_alt:",
            )
        else:
            st.info(
                "No run yet: pick a recipe and press **Start training**; live progress and curves show here."
            )
        return
    st.fragment(_live_view, run_every=1.0 if run.in_progress() else None)(shared.limiter.max_running)


def _live_view(slots: int) -> None:
    current = run.latest()
    if current is None:
        return
    progress = current.job.progress()
    if current.settled and st.session_state[state.RUN_SEEN] != current.id:
        run.collect_finished_run()
        st.rerun()
    st.subheader(current.label)
    if progress.finished and not current.settled:
        st.info("Saving the model into your workspace…", icon=":material/save:")
        return
    _status(progress, current.model_name, slots)
    if current.save_error:
        st.error(text.plain(current.save_error), icon=":material/error:")
        if current.unsaved is not None:
            st.caption(
                "The model stays usable until the server restarts; delete a model to make room, "
                "then train again."
            )
    if not progress.batches["step"]:
        return
    smoothing = st.slider(
        "Smoothing",
        0.0,
        0.99,
        0.6,
        0.01,
        key=state.TRAIN_SMOOTHING,
        persist_state="session",
        help="Exponential moving average of the per-batch values (the faint line).",
    )
    frame = charts.training_curves(progress.batches, progress.epochs_history, smoothing)
    for column, metric in zip(st.columns(2), ("loss", "accuracy"), strict=True):
        column.markdown(f"**{charts.METRIC_TITLES[metric].capitalize()}** per batch, validation per epoch")
        column.vega_lite_chart(*charts.curve_figure(frame, metric, progress.epochs), width="stretch")
    run_inside.view(progress, current.job.probe)


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
            st.caption(
                f"Added to your models as **{text.plain(model_name)}**: inspect its mistakes or draw for it."
            )
            links = st.columns(4)
            links[0].page_link(registry.ERRORS.path, label="See its errors", icon=registry.ERRORS.icon)
            links[1].page_link(registry.DRAW.path, label="Draw for it", icon=registry.DRAW.icon)
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


def compare_runs(shared: SharedResources) -> None:
    """Overlays the validation curves of the runs the user picks."""
    st.subheader("Compare runs")
    runs = {entry.name: entry for entry in workspace_models(shared) if entry.history}
    if not runs:
        st.caption("Each finished run of this workspace shows up here, to overlay its validation curves.")
        return
    names = st.multiselect("Runs", list(runs), default=list(runs)[-3:], placeholder="Pick runs to compare")
    chosen = {name: runs[name].history for name in names}
    frame = charts.comparison_frame(chosen)
    if frame.empty:
        st.caption("Pick runs with a validation split to see their curves.")
        return
    for column, metric in zip(st.columns(2), ("accuracy", "loss"), strict=True):
        column.markdown(f"**Validation {metric}** per epoch")
        column.altair_chart(charts.comparison_chart(frame, metric), width="stretch")
