"""The Errors page's gallery of mistakes: each caption opens a closer look (probabilities and why)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core.catalog import ModelEntry
from mnist_core.errors import MnistCoreError
from mnist_core.evaluation import Misclassified
from mnist_core.inside import pictures
from mnist_core.inside.attribution import SmoothGrad, attributions
from mnist_core.inside.network import network_of
from mnist_core.predict import predict_one
from pages.ui import charts, text
from pages.ui.images import enlarge

TILE = 84


def gallery(entry: ModelEntry, images: np.ndarray, shown: list[Misclassified]) -> None:
    """The mistakes as small pictures; the caption under each is a button that opens `closer_look`."""
    with st.container(horizontal=True, gap="small", key="errors_gallery"):
        for item in shown:
            with st.container(width=TILE, gap=None):
                st.image(enlarge(images[item.index], 3), width=TILE)
                label = f"{item.true_label} → {item.predicted_label} · {item.confidence:.0%}"
                if st.button(
                    label, key=f"mistake_{item.index}", type="tertiary", help="Why did it say this?"
                ):
                    closer_look(entry, images[item.index], item)


@st.dialog("A closer look at a mistake", width="large")
def closer_look(entry: ModelEntry, image: np.ndarray, item: Misclassified) -> None:
    """One mistake: its probabilities, and which ink argued for the wrong answer over the right one."""
    digit = image.astype(np.float32) / 255.0
    method = SmoothGrad()
    try:
        prediction = predict_one(entry.model, digit)
        said, truth = prediction.digit, item.true_label
        maps = attributions(network_of(entry.model), digit, [said, truth], method)
    except MnistCoreError as error:  # No answer (PredictionError), or no way inside (ModelFileError).
        st.error(text.plain(error), icon=":material/error:")
        return
    st.markdown(
        f"Digit #{item.index}: labelled **{truth}**, read as **{said}** ({prediction.confidence:.0%})"
    )
    titles = ["The digit", f"Why {said}", f"Why {truth}", f"Why {said} and not {truth}"]
    overlays = [pictures.overlay(digit, saliency) for saliency in (*maps, maps[0] - maps[1])]
    shown = [pictures.grey(digit), *overlays]
    for column, title, picture in zip(st.columns(4), titles, shown, strict=True):
        column.image(pictures.enlarge(picture, 6), caption=title, output_format="PNG")
    st.caption(text.plain(method.description))
    st.vega_lite_chart(*charts.probability_figure(prediction.probabilities), width="stretch")
