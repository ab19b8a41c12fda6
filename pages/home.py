"""Home page: what the playground is, the data in use, and this session's models."""

import streamlit as st

from mnist_core.resources import DEFAULT_MODEL_FILES
from pages import common

st.title("✍️ MNIST Playground")
st.write(
    "Train neural networks to read handwritten digits, see exactly which digits they get wrong, and "
    "test them on your own handwriting. Everything you train or upload stays in your browser session."
)

links = st.columns(3)
for column, (path, label, icon, text) in zip(
    links,
    [
        (
            "pages/train.py",
            "Train",
            ":material/model_training:",
            "Build an MLP or a CNN, watch its loss and accuracy live, compare runs.",
        ),
        (
            "pages/errors.py",
            "Errors",
            ":material/grid_view:",
            "Confusion matrix, accuracy per digit, and a gallery of the digits a model gets wrong.",
        ),
        (
            "pages/draw.py",
            "Draw",
            ":material/draw:",
            "Draw a digit and see the prediction, the probabilities and the 28×28 image the model sees.",
        ),
    ],
    strict=True,
):
    with column.container(border=True):
        st.page_link(path, label=label, icon=icon)
        st.caption(text)

st.subheader("Data")
resources = common.get_resources()
if not resources.ready:
    common.loading_status()
elif resources.data is None:
    st.error(f"No MNIST data could be loaded, so Train and Errors cannot work: {resources.data_error}")
else:
    data = resources.data
    (st.success if data.is_full else st.warning)(data.source)
    st.caption(f"In use: {len(data.y_train):,} training and {len(data.y_test):,} test digits.")
for problem in resources.model_errors:
    st.warning(f"A default model could not be loaded: {problem}")

st.subheader("Your models")
if resources.ready:
    common.show_models_table(common.all_models(resources))
else:
    st.caption(f"{' and '.join(DEFAULT_MODEL_FILES)} are loading; what you train or upload joins them.")
