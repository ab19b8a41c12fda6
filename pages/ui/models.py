"""The models a session can use: the shipped defaults and its workspace's own, the pickers and the table.

A workspace's models live in the store (they outlive the session); an entry
loads its Keras model from there when it is first used, and the store keeps
recently used models in memory.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from mnist_core.catalog import ORIGIN_LABELS, ModelEntry, entry_from_info
from mnist_core.errors import StoreError
from mnist_core.resources import SharedResources
from pages.ui import state, text


def workspace_models(shared: SharedResources) -> list[ModelEntry]:
    """The models this workspace trained or uploaded, oldest first (and any whose saving failed)."""
    workspace_id = st.session_state[state.WORKSPACE]
    try:
        records = shared.store.models.list(workspace_id)
    except StoreError as error:
        st.error(text.plain(error), icon=":material/error:")
        return []
    load = shared.store.models.load
    entries = [
        entry_from_info(
            record.name,
            record.origin,
            record.info,
            record.id,
            functools.partial(load, workspace_id, record.id),
            created=record.created,
            in_store=True,
        )
        for record in records
    ]
    return entries + shared.runs.unsaved_models(workspace_id)


def all_models(shared: SharedResources) -> list[ModelEntry]:
    """The shipped defaults, then this workspace's own models."""
    return [*shared.default_models, *workspace_models(shared)]


def select_everywhere(name: str) -> None:
    """Selects a model in the Errors and Draw pages' pickers (a new model is what one looks at next)."""
    for picker in state.PICKERS:
        st.session_state[picker] = name


def model_picker(models: list[ModelEntry], label: str, key: str, *, default_index: int = 0) -> ModelEntry:
    """A selectbox of models by name that remembers its choice across pages."""
    names = [entry.name for entry in models]
    if st.session_state.get(key) not in names:
        st.session_state[key] = names[min(default_index, len(names) - 1)]
    name = st.selectbox(label, names, key=key, persist_state="session")
    return models[names.index(name)]


def models_table(models: list[ModelEntry]) -> pd.DataFrame:
    """One row per model, for st.dataframe."""
    return pd.DataFrame(
        {
            "Model": [entry.name for entry in models],
            "Origin": [ORIGIN_LABELS.get(entry.origin, entry.origin) for entry in models],
            "Test accuracy": [entry.test_accuracy for entry in models],
            "Architecture": [entry.description for entry in models],
        }
    )


def show_models_table(models: list[ModelEntry]) -> None:
    """The models as a compact table with accuracy as a percentage."""
    st.dataframe(
        models_table(models),
        hide_index=True,
        width="stretch",
        column_config={
            "Test accuracy": st.column_config.NumberColumn(format="percent"),
            "Architecture": st.column_config.TextColumn(width="large"),
        },
    )
