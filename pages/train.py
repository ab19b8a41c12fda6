"""Train page: configure a network, train it in the background and watch it learn."""

from urllib.parse import urlencode

import streamlit as st

from mnist_core.links import query_from_config
from pages import common, form_state, train_form, train_live

st.title("Train a model")
st.caption(
    "Pick a recipe, adjust the network and how it trains, then press **Start training** and watch it "
    "learn. Your runs and models belong to this browser session only."
)
resources = common.wait_for_resources(need_data=True)
common.collect_finished_run()
train_form.prefill_once(resources)
for notice in st.session_state.get("train_notices", []):
    st.warning(notice, icon=":material/link_off:")

config, recipe = train_form.render(resources)
if config is not None:
    with st.expander("Share this configuration", icon=":material/link:"):
        query = query_from_config(config, form_state.preset_name(recipe))
        base = (st.context.url or "").rstrip("/") or "/train"
        st.code(f"{base}?{urlencode(query, safe=',')}", language=None)
        st.caption("Anyone opening this link gets the same settings on the Train page.")

st.divider()
train_live.controls(config, recipe, resources)
train_live.live_run(resources)
st.divider()
train_live.compare_runs()
st.divider()
train_live.model_files(resources)
