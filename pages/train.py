"""Train page: configure a network, train it in the background and watch it learn."""

from urllib.parse import urlencode

import streamlit as st

from mnist_core.links import query_from_config
from mnist_core.presets import PRESETS
from pages.ui import resources, run_view, state, text, train_form
from pages.ui.model_files import model_files

st.title("Train a model")
st.caption(
    "Pick a recipe, adjust the network and how it trains, then press **Start training** and watch it "
    "learn. Your runs and models belong to this browser session only."
)
shared = resources.wait_for_resources(need_data=True)
train_form.prefill_once(shared)
for notice in st.session_state[state.FORM_NOTICES]:
    st.warning(text.plain(notice), icon=":material/link_off:")

config, recipe = train_form.render(shared)
if config is not None:
    with st.expander("Share this configuration", icon=":material/link:"):
        query = query_from_config(config, recipe if recipe in PRESETS else None)
        base = (st.context.url or "").split("?")[0].rstrip("/") or "/train"
        st.code(f"{base}?{urlencode(query, safe=',')}", language=None)
        st.caption("Anyone opening this link gets the same settings on the Train page.")

st.divider()
run_view.controls(config, recipe, shared)
run_view.live_run(shared)
st.divider()
run_view.compare_runs()
st.divider()
model_files(shared)
