"""Home page: what the playground is, the data in use, and this session's models."""

import streamlit as st

from pages import route_through_app
from pages.ui import registry, resources, text
from pages.ui.models import all_models, show_models_table

route_through_app()

st.title("✍️ MNIST Playground")
st.write(
    "Train neural networks to read handwritten digits, see exactly which digits they get wrong, and "
    "test them on your own handwriting. What you train or upload is kept for this browser on the server: "
    "a reload, a lost connection or a server restart loses nothing."
)

for column, page in zip(st.columns(len(registry.CARDS)), registry.CARDS, strict=True):
    with column.container(border=True):
        st.page_link(page.path, label=page.title, icon=page.icon)
        st.caption(page.blurb)

st.subheader("Data")
shared = resources.get_resources()
if not shared.ready:
    resources.wait_while_loading(shared)
if shared.data is None:
    reason = text.plain(shared.data_error)
    st.error(f"No MNIST data could be loaded, so Train and Errors cannot work: {reason}")
else:
    data = shared.data
    (st.success if data.is_full else st.warning)(text.plain(data.source))
    st.caption(f"In use: {len(data.y_train):,} training and {len(data.y_test):,} test digits.")
for problem in shared.model_errors:
    st.warning(f"A default model could not be loaded: {text.plain(problem)}")
for notice in shared.store.notices:
    st.warning(text.plain(notice), icon=":material/database:")

st.subheader("Your models")
show_models_table(all_models(shared))
