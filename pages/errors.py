"""Errors page: where a model goes wrong, from the confusion matrix down to single digits."""

import functools
import math

import streamlit as st

from mnist_core.evaluation import sort_misclassified
from pages import route_through_app
from pages.ui import charts, mistakes_view, resources, state, text
from pages.ui.evaluations import evaluation, split_arrays
from pages.ui.models import all_models, model_picker

route_through_app()

PAGE_SIZE = 40
ANY = "any"
SORTS = {"confidence": "most confident", "loss": "highest loss", "index": "data order"}


def on_cell_click(chart_key: str) -> None:
    """A click on a confusion-matrix cell filters the gallery to that pair; a double-click clears it."""
    cells = st.session_state[chart_key].selection.get("cell", [])
    true, predicted = (int(cells[0]["true"]), int(cells[0]["predicted"])) if cells else (ANY, ANY)
    st.session_state[state.ERRORS_TRUE], st.session_state[state.ERRORS_PREDICTED] = true, predicted


st.title("Where does the model go wrong?")
st.caption("Pick a model and a split. Click a cell of the confusion matrix to see exactly those mistakes.")
shared = resources.wait_for_resources(need_data=True)
models = all_models(shared)
if not models:
    st.info("No model yet: train one or upload one on the Train page.")
    st.stop()

left, right = st.columns([2, 1])
with left:
    entry = model_picker(models, "Model", key=state.ERRORS_MODEL)
split = right.radio(
    "Digits",
    ["test", "validation"],
    format_func=str.capitalize,
    horizontal=True,
    key=state.ERRORS_SPLIT,
    persist_state="session",
)
images, labels, split_note = split_arrays(entry, split, shared.data)
st.caption(f"{text.plain(entry.description)}. {split_note}")
report = evaluation(entry, split, images, labels, shared)

columns = st.columns(3)
columns[0].metric("Accuracy", f"{report.accuracy:.2%}")
columns[1].metric(f"Mistakes (of {len(labels):,})", f"{len(report.misclassified):,}")
columns[2].metric("Mean loss", f"{report.loss:.4f}")

# Side by side when there is room; on a tablet the per-digit bars go under the matrix, which then
# shrinks to the page's width rather than run off it.
st.html("<style>div:has(> .st-key-errors_matrix) { max-width: 100%; }</style>")
with st.container(horizontal=True, gap="large"):
    matrix = st.container(width=520, key="errors_matrix")
    per_class = st.container(width=340)
with matrix:
    st.markdown("**Confusion matrix** · rows: true digit, columns: prediction")
    chart_key = f"errors_confusion_{entry.key}_{split}"
    st.altair_chart(
        charts.confusion_chart(report.confusion, size="container"),
        key=chart_key,
        selection_mode="cell",
        on_select=functools.partial(on_cell_click, chart_key),
        width="stretch",
    )
    st.caption(
        "Click a cell to show those mistakes below; double-click the matrix to show all mistakes again."
    )
with per_class:
    st.markdown("**Accuracy per digit**")
    st.altair_chart(charts.per_class_chart(report.per_class), width="stretch")

st.subheader("Misclassified digits")
filters = st.columns(3)
digits = [ANY, *range(10)]
true = filters[0].selectbox("True digit", digits, key=state.ERRORS_TRUE, persist_state="session")
predicted = filters[1].selectbox(
    "Predicted digit", digits, key=state.ERRORS_PREDICTED, persist_state="session"
)
order = filters[2].selectbox(
    "Sort", list(SORTS), format_func=SORTS.get, key=state.ERRORS_SORT, persist_state="session"
)
mistakes = sort_misclassified(
    report.misclassified,
    order,
    descending=order != "index",
    true_label=None if true == ANY else true,
    predicted_label=None if predicted == ANY else predicted,
)
if not mistakes:
    if true != ANY and true == predicted:
        st.info(f"Cell ({true}, {predicted}) holds the correctly read {true}s; this gallery shows mistakes.")
    else:
        st.info("No mistakes match these filters.")
    st.stop()
pages = math.ceil(len(mistakes) / PAGE_SIZE)
# A new key per filter starts the pager again at page 1.
pager_key = f"errors_page_{entry.key}_{split}_{true}_{predicted}_{order}"
page = st.pagination(pages, key=pager_key) if pages > 1 else 1
shown = mistakes[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
st.caption(
    f"{len(mistakes):,} mistakes match · page {page} of {pages} · each shows true → predicted · confidence; "
    "click one to see its probabilities and why the model said it."
)
mistakes_view.gallery(entry, images, shown)
