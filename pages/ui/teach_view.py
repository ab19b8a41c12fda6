"""Teaching a model a set of drawings (the student's own, or the class set's), and how that went."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core.catalog import ModelEntry
from mnist_core.errors import ConfigError, JobError, StoreError
from mnist_core.finetune import HOLDOUT_FROM, MIN_DRAWINGS
from mnist_core.resources import SharedResources
from pages.ui import registry, run, state, text
from pages.ui.models import model_picker


def teach_panel(
    shared: SharedResources, models: list[ModelEntry], images: np.ndarray, labels: np.ndarray, taught: str
) -> None:
    """Pick a model, press Teach; the taught copy joins your models as "<model> + <taught>"."""
    st.caption(
        f"The model is fine-tuned for a few seconds on these drawings mixed with MNIST digits, so it keeps "
        f"reading MNIST. It needs at least {MIN_DRAWINGS} drawings; with {HOLDOUT_FROM} or more, a fifth is "
        "held out to measure it, with fewer it is measured by 5-fold cross-validation."
    )
    key = f"{state.TEACH_MODEL}.{taught}"
    entry = model_picker(models, "Model to teach", key=key)
    busy = run.in_progress()
    if st.button(
        f"Teach {text.plain(entry.name)} {taught}", type="primary", icon=":material/school:", disabled=busy
    ):
        try:
            shared.runs.start_teaching(
                st.session_state[state.WORKSPACE], entry, images, labels, shared.data, taught=taught
            )
        except (ConfigError, JobError, StoreError) as error:
            st.error(text.plain(error), icon=":material/error:")
    current = run.latest()
    if current is not None and current.lesson is not None:
        st.fragment(_lesson_view, run_every=1.0 if not current.lesson.measured.is_set() else None)()


def _lesson_view() -> None:
    current = run.latest()
    if current is None or current.lesson is None:
        return
    progress = current.job.progress()
    lesson = current.lesson
    figures = lesson.figures
    st.markdown(f"**{text.plain(current.label)}**")
    if not progress.finished:
        st.progress(progress.fraction_done, text=text.plain(progress.message))
        return
    if current.save_error:
        st.error(text.plain(current.save_error))
    if current.job.result is None:
        st.warning(text.plain(progress.message))
        return
    if current.settled and st.session_state[state.RUN_SEEN] != current.id:
        run.collect_finished_run()
    held = "held-out" if lesson.method == "held-out" else "cross-validated"
    columns = st.columns(2)
    before, after = figures.get("before"), figures.get("after")
    columns[0].metric(
        f"On drawings it did not learn from ({held})",
        "…" if after is None else f"{after:.0%}",
        None if after is None or before is None else f"{(after - before) * 100:+.0f} points",
        help=f"{figures.get('held_out')} drawings; before teaching: "
        + ("…" if before is None else f"{before:.0%}"),
    )
    mnist_before, mnist_after = figures.get("mnist_before"), figures.get("mnist_after")
    columns[1].metric(
        "MNIST test",
        "–" if mnist_after is None else f"{mnist_after:.2%}",
        None
        if mnist_before is None or mnist_after is None
        else f"{(mnist_after - mnist_before) * 100:+.2f} points",
    )
    if figures.get("measuring"):
        st.caption(text.plain(figures["measuring"]))
    if current.model_name:
        st.caption(f"Added to your models as **{text.plain(current.model_name)}**.")
        st.page_link(registry.DRAW.path, label="Draw for it", icon=registry.DRAW.icon)
