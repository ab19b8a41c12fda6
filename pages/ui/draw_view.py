"""The Draw page's parts: a model's answer, the detail behind it, and keeping or correcting a drawing.

The answer (digit and confidence) sits right beside or under the canvas, so on
a phone it is in view after every stroke; the detail (all ten probabilities,
the 28x28 the model sees) follows. "Right" keeps the drawing with that digit
in the workspace (My handwriting), "No, it was a …" keeps it with the right one.
"""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image

from mnist_core.catalog import ModelEntry
from mnist_core.errors import PredictionError, StoreError
from mnist_core.predict import Prediction, predict_one
from pages.ui import charts, registry, resources, state, text
from pages.ui.images import enlarge

UNSURE = 0.6
# On a phone the blocks stack: the answer (digit and confidence side by side) comes right under the
# canvas, and the page's head is compact, so canvas and answer fit on the screen together.
NARROW_SCREEN_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.8rem; padding: 0 0 0.25rem 0; }
  div:has(> .st-key-draw_answer_block) { flex: 1 1 100% !important; width: auto !important; }
  .st-key-draw_answer_block { flex-flow: row wrap !important; column-gap: 2rem; align-items: flex-end; }
  .st-key-draw_answer_block > div { width: auto !important; flex: 0 0 auto !important; }
  .st-key-draw_answer_block > div:has(button) { flex: 1 1 100% !important; }
  .st-key-draw_answer_block [data-testid="stMetricValue"] { font-size: 2rem; }
}
</style>"""
# On a touch screen the canvas's own toolbar never shows (it appears on hover) but lies, unseen, over the
# canvas's top edge and swallows strokes that start there. This hides it where there is no hover; the
# page's Clear button does what a student needs. Static text of ours: no user input goes in.
TOUCH_TOOLBAR_JS = """<script>
(() => {
  if (window.__mnistToolbarFix) return;
  window.__mnistToolbarFix = true;
  const rule = "@media (hover: none), (pointer: coarse) { .dc-toolbar { display: none !important; } }";
  const fix = () => document.querySelectorAll('[data-testid="stBidiComponentIsolated"]').forEach((host) => {
    const root = host.shadowRoot || document.head;
    if (root.querySelector("style[data-mnist-toolbar]")) return;
    const style = document.createElement("style");
    style.setAttribute("data-mnist-toolbar", "");
    style.textContent = rule;
    root.appendChild(style);
  });
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  fix();
})();
</script>"""


def answers(entries: list[ModelEntry], digit: np.ndarray) -> list[Prediction | None]:
    """Each model's answer for the 28x28 image (None, with a message shown, when a model has none)."""
    found: list[Prediction | None] = []
    for entry in entries:
        try:
            found.append(predict_one(entry.model, digit))
        except PredictionError as error:
            st.error(text.plain(error), icon=":material/error:")
            found.append(None)
    return found


def answer(prediction: Prediction | None, label: str, name: str | None = None) -> None:
    """The digit and confidence, stacked, for a narrow column beside the canvas."""
    if name:
        st.caption(text.plain(name))
    st.metric(label, "?" if prediction is None else str(prediction.digit))
    st.metric("Confidence", "–" if prediction is None else f"{prediction.confidence:.0%}")


def detail(entries: list[ModelEntry], predictions: list[Prediction | None], digit: np.ndarray) -> None:
    """All ten probabilities of each model, a note when unsure, and the 28x28 the models see."""
    for entry, prediction in zip(entries, predictions, strict=True):
        if prediction is None:
            continue
        if len(entries) > 1:
            st.markdown(f"**{text.plain(entry.name)}**")
        if prediction.confidence < UNSURE:
            runner_up = sorted(range(10), key=lambda d: prediction.probabilities[d])[-2]
            st.warning(
                f"Not sure: it might also be a {runner_up} ({prediction.probabilities[runner_up]:.0%}).",
                icon=":material/help:",
            )
        st.vega_lite_chart(*charts.probability_figure(prediction.probabilities), width="stretch")
    st.image(enlarge(digit, 4), caption="What the model sees: 28×28, centred like MNIST")


def keep_controls(
    canvas: np.ndarray, digit: np.ndarray, entries: list[ModelEntry], predictions: list
) -> None:
    """ "Right" and "No, it was a …": either keeps the drawing in My handwriting and clears the canvas."""
    said = {entry.name: p.digit for entry, p in zip(entries, predictions, strict=True) if p is not None}
    guess = predictions[0].digit if predictions and predictions[0] is not None else None
    if guess is not None:
        st.button(
            f"Right, it's a {guess}",
            icon=":material/check:",
            on_click=keep,
            args=(canvas, digit, guess, said),
            key=state.DRAW_RIGHT,
            width="stretch",
        )
    st.segmented_control(
        "No, it was a",
        list(range(10)),
        key=state.DRAW_CORRECTION,
        on_change=_keep_correction,
        args=(canvas, digit, said),
        help="Pick the digit you meant: the drawing is kept with it, to teach a model your handwriting.",
    )
    st.page_link(registry.HANDWRITING.path, label="My handwriting", icon=registry.HANDWRITING.icon)


def _keep_correction(canvas: np.ndarray, digit: np.ndarray, said: dict) -> None:
    label = st.session_state[state.DRAW_CORRECTION]
    st.session_state[state.DRAW_CORRECTION] = None
    if label is not None:
        keep(canvas, digit, int(label), said)


def keep(canvas: np.ndarray, digit: np.ndarray, label: int, said: dict) -> None:
    """Keeps the drawing in the workspace with `label`, then clears the canvas for the next one."""
    store = resources.get_resources().store
    workspace_id = st.session_state[state.WORKSPACE]
    try:
        store.drawings.add(workspace_id, label, png(canvas), digit, {"said": said, "source": "canvas"})
        count = len(store.drawings.records(workspace_id))
    except StoreError as error:
        st.session_state[state.DRAW_NOTE] = ("error", str(error))
        return
    st.session_state[state.DRAW_NOTE] = (
        "success",
        f"Kept as a {label} in My handwriting ({count} drawings).",
    )
    st.session_state[state.DRAW_CANVAS] += 1


def png(pixels: np.ndarray) -> bytes:
    """An image array as PNG file bytes."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()
