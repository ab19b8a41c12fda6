"""Home page: what the playground is, the data in use, and this session's models."""

import streamlit as st

from mnist_core.resources import DEFAULT_MODEL_FILES
from pages.ui import registry, resources, text
from pages.ui.models import all_models, show_models_table

st.title("✍️ MNIST Playground")
st.write(
    "Train neural networks to read handwritten digits, see exactly which digits they get wrong, and "
    "test them on your own handwriting. Everything you train or upload stays in your browser session."
)

for column, page in zip(st.columns(len(registry.CARDS)), registry.CARDS, strict=True):
    with column.container(border=True):
        st.page_link(page.path, label=page.title, icon=page.icon)
        st.caption(page.blurb)

st.subheader("Data")
shared = resources.get_resources()
if not shared.ready:
    resources.loading_status()
elif shared.data is None:
    reason = text.plain(shared.data_error)
    st.error(f"No MNIST data could be loaded, so Train and Errors cannot work: {reason}")
else:
    data = shared.data
    (st.success if data.is_full else st.warning)(text.plain(data.source))
    st.caption(f"In use: {len(data.y_train):,} training and {len(data.y_test):,} test digits.")
for problem in shared.model_errors:
    st.warning(f"A default model could not be loaded: {text.plain(problem)}")

st.subheader("Your models")
if shared.ready:
    show_models_table(all_models(shared))
else:
    st.caption(f"{' and '.join(DEFAULT_MODEL_FILES)} are loading; what you train or upload joins them.")
