"""This session's models: the list the pages share, the model pickers and the models table.

Everything a user makes (runs, models, evaluations) lives in their session,
so two browsers never see each other's work; only the read-only
`SharedResources` (data, default models, training limiter) is process-wide.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_core.catalog import ModelEntry, unique_name
from mnist_core.resources import DEFAULT_MODEL_FILES, SharedResources
from pages.ui import state

ORIGIN_LABELS = {"default": "shipped default", "trained": "trained here", "uploaded": "uploaded"}


def session_models() -> list[ModelEntry]:
    """The models this session trained or uploaded, oldest first (`app.py` collects a finished run first)."""
    return st.session_state[state.MODELS]


def all_models(resources: SharedResources) -> list[ModelEntry]:
    """The shipped defaults, then this session's own models."""
    return [*resources.default_models, *session_models()]


def add_model(entry: ModelEntry) -> None:
    """Adds a model to this session's list and selects it on the Errors and Draw pages."""
    st.session_state[state.MODELS].append(entry)
    for picker in state.PICKERS:
        st.session_state[picker] = entry.name


def new_model_name(base: str) -> str:
    """`base`, or `base (2)`... so that no two models of this session share a name."""
    taken = [*DEFAULT_MODEL_FILES, *(entry.name for entry in st.session_state[state.MODELS])]
    return unique_name(base, taken)


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
