"""The Errors page's data: the split a model is scored on, and its report, scored once and kept."""

import streamlit as st

from mnist_core.data import make_splits
from mnist_core.errors import DataError
from mnist_core.evaluation import evaluate_model, report_from_dict
from pages.ui import state, text


def split_arrays(entry, split: str, data):
    """(images, labels, caption) of the split; validation is the part this model held out when known."""
    if split == "test":
        return data.x_test, data.y_test, f"The {len(data.y_test):,} test digits, never used for training."
    held_out = entry.config.validation_size if entry.config is not None else None
    try:
        splits = make_splits(data, held_out or None)
    except DataError:
        splits = make_splits(data)
    note = "" if held_out != 0 else " This model trained on them (it used no validation split)."
    return splits.x_val, splits.y_val, f"The last {len(splits.y_val):,} training digits, held out.{note}"


def evaluation(entry, split: str, images, labels, shared):
    """The model's report on the split, scored once and kept.

    A workspace's own model keeps its report in the workspace; a default model's
    is scored once for the whole server (`SharedResources.reports`).
    """
    store = shared.store
    cache = st.session_state[state.EVALUATIONS]
    cache_key = (entry.key, split)
    if cache_key in cache:
        return cache[cache_key]
    workspace_id = st.session_state[state.WORKSPACE]
    report = None
    if entry.in_store:
        body = store.models.load_report(workspace_id, entry.key, split)
        if body and body.get("examples") == len(labels):
            report = report_from_dict(body)
    if report is None:
        with st.spinner(f"Scoring {text.plain(entry.name)} on {len(labels):,} digits…"):
            if entry.in_store:
                report = evaluate_model(entry.model, images, labels)
            else:  # A default model: scored once for the whole server.
                report = shared.reports.get(
                    (entry.key, split), lambda: evaluate_model(entry.model, images, labels)
                )
        if entry.in_store:
            body = {**report.to_dict(include_misclassified=True), "examples": len(labels)}
            store.models.save_report(workspace_id, entry.key, split, body)
    cache[cache_key] = report
    return report
