"""The Train page's look inside a run: the first layer's weights as they change, and the learner's drawing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.errors import StoreError
from mnist_core.inside.explain import filters_picture, templates_picture
from mnist_core.inside.neighbours import neighbour_index
from mnist_core.preprocess import canvas_to_mnist
from mnist_core.progress import JobProgress
from mnist_core.resources import SharedResources
from mnist_core.workspace_runs import WorkspaceRun
from pages.ui import resources, state
from pages.ui.images import enlarge

TEMPLATE_UNITS = 16


def drawing_to_watch(shared: SharedResources) -> np.ndarray | None:
    """The learner's latest drawing as the model sees it: the Draw page's, else the last one kept."""
    drawing = st.session_state[state.DRAWING]
    image = canvas_to_mnist(drawing) if drawing is not None else None
    if image is not None:
        return image
    workspace_id = st.session_state[state.WORKSPACE]
    try:
        records = shared.store.drawings.records(workspace_id)
        if not records:
            return None
        images, _ = shared.store.drawings.images(workspace_id, records[-1:])
    except StoreError:
        return None  # Training goes on without it; My handwriting says what is wrong with the store.
    return images[0].astype(np.float32) / 255.0


def index_in_background(run: WorkspaceRun) -> None:
    """Starts computing a new model's nearest-digit index, so the Inside page has it at once."""
    shared = resources.get_resources()
    if shared.data is None or run.model_id is None:
        return
    try:
        model = shared.store.models.load(st.session_state[state.WORKSPACE], run.model_id)
    except StoreError:
        return  # The pages that use the model say what is wrong with it.
    neighbour_index(model, shared.data.x_train, shared.data.y_train)


def view(progress: JobProgress, probe: np.ndarray | None) -> None:
    """The first layer's weights while the run goes; the drawing's probabilities after every epoch."""
    kernel = progress.first_layer
    picture = filters_picture(kernel)
    if picture is None and kernel is not None and kernel.ndim == 2:
        picture = templates_picture(kernel, range(min(TEMPLATE_UNITS, kernel.shape[1])))
    rows = [row for row in progress.epochs_history if "probe" in row]
    if picture is None and (probe is None or not rows):
        return
    st.markdown("**Inside, as it trains**")
    with st.container(horizontal=True, gap="large"):
        if picture is not None:
            kind = (
                "filters"
                if kernel is not None and kernel.ndim == 4
                else f"first {TEMPLATE_UNITS} units' weights"
            )
            st.image(
                picture,
                caption=f"The first layer's {kind}, now (red adds, blue subtracts)",
                output_format="PNG",
            )
        if probe is not None and rows:
            st.image(enlarge(probe, 3), caption="Your drawing", output_format="PNG")
            frame = pd.DataFrame([row["probe"] for row in rows], columns=[str(d) for d in range(10)])
            frame.insert(0, "epoch", [row["epoch"] for row in rows])
            long = frame.melt("epoch", var_name="digit", value_name="probability")
            st.line_chart(long, x="epoch", y="probability", color="digit", height=220, width=420)
