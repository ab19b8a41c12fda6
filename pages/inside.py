"""Inside page: the drawing from the Draw page seen from inside the model: layers, why, nearest digits."""

import numpy as np
import streamlit as st

from mnist_core.errors import MnistCoreError
from mnist_core.inside.explain import explain
from mnist_core.inside.neighbours import neighbour_index
from mnist_core.preprocess import canvas_to_mnist
from pages import route_through_app
from pages.ui import inside_view, registry, resources, state, text
from pages.ui.images import enlarge
from pages.ui.models import all_models, model_picker

route_through_app()

DRAWING, TEST_DIGIT = "The drawing from the Draw page", "An MNIST test digit"

st.title("Inside the network")
st.caption(
    "What each layer makes of a digit, which pixels pushed the model to its answer, the training digits it "
    "thinks look alike, and what the preprocessing does."
)
shared = resources.wait_for_resources(need_data=True)
models = all_models(shared)
if not models:
    st.error("No model is available: train or upload one on the Train page.")
    st.stop()

drawing = st.session_state[state.DRAWING]
with st.container(horizontal=True, vertical_alignment="bottom"):
    with st.container(width=300):
        entry = model_picker(models, "Model", key=state.DRAW_MODEL)
    source = st.radio(
        "Digit",
        [DRAWING, TEST_DIGIT],
        index=0 if drawing is not None else 1,
        horizontal=True,
        key=state.INSIDE_SOURCE,
    )
if source == DRAWING and drawing is None:
    st.info("There is no drawing yet: draw a digit on the Draw page, then come back.", icon=":material/draw:")
    st.page_link(registry.DRAW.path, label="Draw a digit", icon=registry.DRAW.icon)
    st.stop()
if source == DRAWING:
    picture, picture_source = drawing, "canvas"
else:
    number = st.number_input(
        "Test digit number", 0, len(shared.data.x_test) - 1, 0, key=state.INSIDE_TEST_DIGIT, width=200
    )
    picture, picture_source = shared.data.x_test[int(number)], "picture"
    st.caption(f"Labelled {int(shared.data.y_test[int(number)])} in MNIST.")

image = canvas_to_mnist(picture, source=picture_source)
if image is None:
    st.info(
        "That drawing has too little ink to be a digit: draw another on the Draw page.",
        icon=":material/draw:",
    )
    st.stop()
try:
    index = neighbour_index(entry.model, shared.data.x_train, shared.data.y_train)
except MnistCoreError as error:
    st.error(text.plain(error), icon=":material/error:")
    st.stop()
waiting = not index.ready


@st.fragment(run_every=1.0 if waiting else None)
def look_inside() -> None:
    """Everything for the image; looks again every second until the nearest training digits are ready."""
    if waiting and index.ready:
        st.rerun()  # The whole page, so that the fragment stops looking again.
    try:
        explanation = explain(entry.model, image, index)
    except MnistCoreError as error:  # No answer (PredictionError), or no way inside (ModelFileError).
        st.error(text.plain(error), icon=":material/error:")
        return
    with st.container(horizontal=True, gap="medium"):
        inside_view.show(st, enlarge(image, 6), caption="What the model sees")
        st.metric("Prediction", explanation.prediction.digit, width=120)
        st.metric("Confidence", f"{explanation.prediction.confidence:.0%}", width=120)
    layers_tab, why_tab, nearest_tab, steps_tab = st.tabs(
        ["Layers", "Why this digit", "Nearest training digits", "How the drawing becomes 28×28"]
    )
    with layers_tab:
        inside_view.layers(explanation)
    with why_tab:
        inside_view.why(explanation, key=state.INSIDE_WHY)
    with nearest_tab:
        inside_view.nearest(explanation, index)
    with steps_tab:
        inside_view.preprocessing(entry, np.asarray(picture), picture_source, key=state.INSIDE_RECIPE)


look_inside()
