"""My handwriting page: the drawings kept on Draw, how models read them, teaching a model, a class set."""

import streamlit as st

from pages import route_through_app
from pages.ui import class_set, handwriting_view, resources, state, teach_view
from pages.ui.models import all_models

route_through_app()

st.title("My handwriting")
st.caption(
    "Drawings you kept on the Draw page (Right, or No, it was a …) or imported. See how every model reads "
    "your handwriting, then teach one of them to read it better."
)
shared = resources.wait_for_resources(need_data=True)
workspace_id = st.session_state[state.WORKSPACE]
records = shared.store.drawings.records(workspace_id)
models = all_models(shared)

st.subheader("My drawings")
selected: list[str] = []
if records:
    images, labels = shared.store.drawings.images(workspace_id, records)
    handwriting_view.drawings_table(shared, records, images)
    table = st.session_state.get(state.HANDWRITING_TABLE)
    order = sorted(range(len(records)), key=lambda index: (records[index].label, records[index].created))
    rows = table.selection.rows if table is not None else []
    selected = [records[order[row]].id for row in rows if row < len(order)]
else:
    st.info("No drawings yet: draw on the Draw page and press Right (or say which digit you meant).")
handwriting_view.export_and_import(shared, records)

if records:
    st.subheader("How the models read them")
    handwriting_view.scores(models, images, labels, key="mine")
    st.subheader("Teach a model my handwriting")
    teach_view.teach_panel(shared, models, images, labels, taught="my handwriting")

st.subheader("Class set")
class_set.class_panel(shared, models, records, selected)
