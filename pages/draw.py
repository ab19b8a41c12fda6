"""Draw page: draw a digit (or upload a picture of one) and see what the model thinks."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_core.errors import ImageFileError, PredictionError
from mnist_core.images import read_image
from mnist_core.predict import predict_one
from mnist_core.preprocess import CANVAS_SIDE, canvas_to_mnist
from pages import route_through_app
from pages.ui import charts, resources, state, text
from pages.ui.images import enlarge
from pages.ui.models import all_models, model_picker

route_through_app()

UNSURE = 0.6
IMAGE_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]


def show_prediction(entry, digit, title: bool, label: str) -> None:
    """One model's answer: the digit, its confidence and all ten probabilities."""
    try:
        prediction = predict_one(entry.model, digit)
    except PredictionError as error:
        st.error(text.plain(str(error)), icon=":material/error:")
        return
    if title:
        st.markdown(f"**{text.plain(entry.name)}**")
    left, right = st.columns(2)
    left.metric(label, str(prediction.digit))
    right.metric("Confidence", f"{prediction.confidence:.0%}")
    if prediction.confidence < UNSURE:
        runner_up = sorted(range(10), key=lambda d: prediction.probabilities[d])[-2]
        st.warning(
            f"Not sure: it might also be a {runner_up} ({prediction.probabilities[runner_up]:.0%}).",
            icon=":material/help:",
        )
    st.vega_lite_chart(*charts.probability_figure(prediction.probabilities), width="stretch")


def show_predictions(image, entries, label: str = "Prediction", source: str = "canvas"):
    """Preprocesses the image like MNIST, shows each model's answer and the 28×28 input; returns that input.

    `label` names the metric; the drawing's is exactly "Prediction", which browser tests look for.
    """
    digit, steps = (
        canvas_to_mnist(image, return_steps=True, source=source) if image is not None else (None, None)
    )
    if digit is None:
        st.metric(label, "-")
        st.info(steps.reason if steps else "The canvas is empty: draw a digit.", icon=":material/draw:")
        return None
    columns = st.columns([3] * len(entries) + [2])
    for column, entry in zip(columns, entries, strict=False):
        with column:
            show_prediction(entry, digit, title=len(entries) > 1, label=label)
    columns[-1].image(enlarge(digit, 5), caption="What the model sees: 28×28, centred like MNIST")
    return digit


def clear_canvas() -> None:
    st.session_state[state.DRAW_CANVAS] += 1


@st.fragment
def drawing(entries) -> None:
    """The canvas and the answers; each stroke reruns only this part of the page."""
    canvas, answers = st.columns([1, 2], gap="large")
    with canvas:
        result = st_canvas(
            stroke_width=st.session_state[state.DRAW_STROKE],
            stroke_color="#FFFFFF",
            background_color="#000000",
            width=CANVAS_SIDE,
            height=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"draw_canvas_{st.session_state[state.DRAW_CANVAS]}",
        )
        st.button("Clear", icon=":material/ink_eraser:", on_click=clear_canvas)
        st.slider("Stroke width", 5, 40, key=state.DRAW_STROKE, persist_state="session")
    with answers:
        digit = show_predictions(result.image_data, entries)
    if digit is not None:
        st.session_state[state.DRAWING] = result.image_data


st.title("Draw a digit")
st.caption("Draw one digit, 0 to 9, in the black square: the model answers after every stroke.")
shared = resources.wait_for_resources()
models = all_models(shared)
if not models:
    st.error("No model is available: the default models did not load. Train or upload one on the Train page.")
    st.stop()

pickers = st.columns([2, 1, 2], vertical_alignment="bottom")
with pickers[0]:
    chosen = [model_picker(models, "Model", key=state.DRAW_MODEL)]
compare = pickers[1].checkbox(
    "Compare two models", key=state.DRAW_COMPARE, persist_state="session", disabled=len(models) < 2
)
if compare and len(models) > 1:
    with pickers[2]:
        chosen.append(model_picker(models, "Second model", key=state.DRAW_MODEL_B, default_index=1))

draw_tab, upload_tab = st.tabs(["Draw", "Upload an image"])
with draw_tab:
    drawing(chosen)
with upload_tab:
    upload = st.file_uploader(
        "A picture of one digit",
        type=IMAGE_TYPES,
        key=state.DRAW_UPLOAD,
        help="Dark ink on light paper, or light on dark; it is cropped and centred for you.",
    )
    if upload is None:
        st.caption("A photo or scan works; so does a screenshot of a digit.")
    else:
        try:
            picture = read_image(upload.getvalue(), upload.name)
        except ImageFileError as error:
            st.error(text.plain(str(error)), icon=":material/broken_image:")
        else:
            preview, answers = st.columns([1, 2], gap="large")
            preview.image(picture, caption=text.plain(upload.name, 60), width=220)
            with answers:
                show_predictions(picture, chosen, label="Prediction for the picture", source="picture")
