"""Train page: configure a network, train it in the background and watch it learn."""

from urllib.parse import urlencode

import streamlit as st

from mnist_core.links import query_from_config
from mnist_core.presets import PRESETS
from pages import route_through_app
from pages.ui import form_memory, resources, run_view, state, text, train_form
from pages.ui.model_files import model_files

route_through_app()

st.title("Train a model")
st.caption(
    "Pick a recipe, adjust the network and how it trains, then press **Start training** and watch it "
    "learn. Your runs and models are kept in this browser's workspace: a reload loses nothing."
)
shared = resources.wait_for_resources(need_data=True)
form_memory.prefill_once(shared)
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
run_view.compare_runs(shared)
st.divider()
model_files(shared)
