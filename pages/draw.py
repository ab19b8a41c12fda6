"""Draw page: draw a digit (or upload a picture of one) and see what the model thinks."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_core.errors import ImageFileError
from mnist_core.images import read_image
from mnist_core.preprocess import CANVAS_SIDE, canvas_to_mnist
from pages import route_through_app
from pages.ui import draw_view, registry, resources, state, text
from pages.ui.models import all_models, model_picker

route_through_app()

IMAGE_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp"]
# Canvas and answer sit side by side when the page is wide enough, else the answer goes right under
# the canvas: on a phone it is in view after every stroke. The detail follows, or goes beside them.
CANVAS_BLOCK, ANSWER_BLOCK, DETAIL_BLOCK = CANVAS_SIDE + 4, 136, 340


def clear_canvas() -> None:
    st.session_state[state.DRAW_CANVAS] += 1


@st.fragment
def drawing(entries) -> None:
    """The canvas, the answer and the detail; each stroke reruns only this part of the page."""
    with st.container(horizontal=True, gap="medium"):
        with st.container(width=CANVAS_BLOCK, key="draw_canvas_block"):
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
        image = result.image_data
        digit, steps = canvas_to_mnist(image, return_steps=True) if image is not None else (None, None)
        predictions = draw_view.answers(entries, digit) if digit is not None else []
        with st.container(width=ANSWER_BLOCK, key="draw_answer_block"):
            if digit is None:
                st.metric("Prediction", "-")
            for index, (entry, prediction) in enumerate(zip(entries, predictions, strict=False)):
                label = "Prediction" if index == 0 else "Second model"
                draw_view.answer(prediction, label, entry.name if len(entries) > 1 else None)
            st.button("Clear", icon=":material/ink_eraser:", on_click=clear_canvas, width="stretch")
        with st.container(width=DETAIL_BLOCK, key="draw_detail_block"):
            if digit is None:
                reason = steps.reason if steps is not None else "The canvas is empty: draw a digit."
                st.info(text.plain(reason), icon=":material/draw:")
            else:
                st.session_state[state.DRAWING] = image
                draw_view.keep_controls(image, digit, entries, predictions)
                draw_view.detail(entries, predictions, digit)
                st.page_link(
                    registry.INSIDE.path, label="Why? Look inside the model", icon=registry.INSIDE.icon
                )
    note = st.session_state[state.DRAW_NOTE]
    if note:
        (st.success if note[0] == "success" else st.error)(text.plain(note[1]))
        st.session_state[state.DRAW_NOTE] = None
    st.slider("Stroke width", 5, 40, key=state.DRAW_STROKE, persist_state="session")


st.html(draw_view.NARROW_SCREEN_CSS)
st.html(draw_view.TOUCH_TOOLBAR_JS, unsafe_allow_javascript=True, width=1)
st.title("Draw a digit")
st.caption("Draw one digit, 0 to 9, in the black square: the model answers after every stroke.")
shared = resources.wait_for_resources()
models = all_models(shared)
if not models:
    st.error("No model is available: the default models did not load. Train or upload one on the Train page.")
    st.stop()

with st.container(horizontal=True, vertical_alignment="bottom"):
    with st.container(width=300):
        chosen = [model_picker(models, "Model", key=state.DRAW_MODEL)]
    compare = st.checkbox(
        "Compare two models", key=state.DRAW_COMPARE, persist_state="session", disabled=len(models) < 2
    )
    if compare and len(models) > 1:
        with st.container(width=300):
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
            st.error(text.plain(error), icon=":material/broken_image:")
        else:
            preview, answered = st.columns([1, 2], gap="large")
            preview.image(picture, caption=text.plain(upload.name, 60), width=220)
            with answered:
                seen, steps = canvas_to_mnist(picture, return_steps=True, source="picture")
                if seen is None:
                    st.metric("Prediction for the picture", "-")
                    st.info(text.plain(steps.reason), icon=":material/image:")
                else:
                    found = draw_view.answers(chosen, seen)
                    draw_view.answer(found[0], "Prediction for the picture")
                    draw_view.detail(chosen, found, seen)
