"""What the Train form holds: a recipe, a link's values, or the form as this workspace left it.

The form's widgets (`train_form.py`) are keyed "cfg.<field name>"; this module
writes configurations into those keys, reads them back, and keeps them in the
workspace store, so a reload, a reconnect or a second tab finds the form as it
was left. A teacher's link is read once and then removed from the address bar.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from mnist_core.config import TrainingConfig
from mnist_core.errors import StoreError
from mnist_core.links import config_from_query
from mnist_core.presets import PRESETS, RECIPES, recipe_config, recipe_for
from mnist_core.resources import SharedResources
from pages.ui import form_values, state, text

DEFAULT_RECIPE = "fast-cnn"
RECIPE_KEY = "cfg.recipe"
# Streamlit's own query parameters, which are not training settings.
STREAMLIT_PARAMS = ("embed", "embed_options")


def form_key(name: str) -> str:
    """The session-state key of a field's widget."""
    return f"cfg.{name}"


def load_config(config: TrainingConfig, preset: str | None, resources: SharedResources) -> list[str]:
    """Writes a configuration into the form; returns notices about values changed to fit the caps."""
    total = len(resources.data.y_train)
    values, rows, notices = form_values.values_from_config(config, total, resources.settings)
    session = st.session_state
    for name, value in values.items():
        session[form_key(name)] = value
    session[RECIPE_KEY] = recipe_for(config, preset)
    session[state.CONV_ROWS] = session[state.CONV_LATEST] = rows
    session[state.CONV_VERSION] += 1
    return notices


def prefill_once(resources: SharedResources) -> None:
    """On this session's first visit, fills the form from a link, else as the workspace left it.

    A link's parameters are read once and then removed from the address bar, so
    a reload brings back the form as the student last edited it.
    """
    session = st.session_state
    if session[state.FORM_READY]:
        return
    session[state.FORM_READY] = True
    query = st.query_params.to_dict()
    params = {name: value for name, value in query.items() if name not in STREAMLIT_PARAMS}
    if params:
        config, preset, notices = config_from_query(params)
        session[state.FORM_NOTICES] = notices + load_config(config, preset, resources)
        for name in params:
            del st.query_params[name]
    elif not _restore_saved_form(resources):
        load_config(PRESETS[DEFAULT_RECIPE].config, DEFAULT_RECIPE, resources)


def _restore_saved_form(resources: SharedResources) -> bool:
    """Puts back the form the workspace saved (only fields that still exist); False if there is none."""
    session = st.session_state
    try:
        saved = resources.store.workspaces.load_form(session[state.WORKSPACE])
    except StoreError:
        return False
    if (
        not isinstance(saved, dict)
        or saved.get("recipe") not in RECIPES
        or not isinstance(saved.get("values"), dict)
    ):
        return False
    recipe = saved["recipe"]
    load_config(recipe_config(recipe), recipe if recipe in PRESETS else None, resources)
    known = {name for kind in ("mlp", "cnn") for name in form_values.form_fields(kind)}
    known |= {form_values.switch_key(name) for name in form_values.SWITCHED}
    for name, value in saved["values"].items():
        if name in known:
            session[form_key(name)] = value
    session[RECIPE_KEY] = recipe
    if isinstance(saved.get("rows"), list):
        session[state.CONV_ROWS] = session[state.CONV_LATEST] = saved["rows"]
    session[state.FORM_SAVED] = json.dumps(saved, sort_keys=True)
    return True


def save_if_changed(resources: SharedResources, recipe: str) -> None:
    """Keeps the form in the workspace, so a reload or another session finds it as it was left."""
    session = st.session_state
    form = {"recipe": recipe, "values": values(), "rows": session[state.CONV_LATEST]}
    payload = json.dumps(form, sort_keys=True)
    if payload == session[state.FORM_SAVED]:
        return
    try:
        resources.store.workspaces.save_form(session[state.WORKSPACE], json.loads(payload))
    except StoreError as error:
        st.warning(f"Your form could not be saved: {text.plain(error)}", icon=":material/save:")
        return
    session[state.FORM_SAVED] = payload


def values() -> dict[str, Any]:
    prefix = form_key("")
    return {name[len(prefix) :]: value for name, value in st.session_state.items() if name.startswith(prefix)}
