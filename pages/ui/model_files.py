"""The Train page's model files: the workspace's models table, download, delete, and an upload box."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from mnist_core.catalog import ModelEntry, info_from_loaded
from mnist_core.errors import ModelFileError, StoreError
from mnist_core.persistence import load_model_bytes, model_to_bytes
from mnist_core.resources import SharedResources
from pages.ui import resources, state, text
from pages.ui.models import all_models, model_picker, select_everywhere, show_models_table


def model_files(shared: SharedResources) -> None:
    """The workspace's models, with download and delete, and an upload box."""
    st.subheader("Your models")
    models = all_models(shared)
    show_models_table(models)
    manage, upload = st.columns(2, gap="large")
    if models:
        with manage:
            entry = model_picker(models, "Model", key=state.FILES_MODEL, default_index=len(models) - 1)
        name = entry.name
        download, delete = manage.columns(2)
        download.download_button(
            "Download .keras",
            data=lambda: _file_bytes(shared, entry),
            on_click="ignore",
            file_name=f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-').lower() or 'model'}.keras",
            mime="application/octet-stream",
            icon=":material/download:",
        )
        if entry.in_store:
            delete.button("Delete", icon=":material/delete:", on_click=_delete, args=(entry.key,))
    upload.file_uploader(
        "Upload a .keras model",
        key=state.TRAIN_UPLOAD,
        on_change=_on_upload,
        help="A Keras 3 model file mapping a 28×28 image to 10 classes.",
    )
    message = st.session_state[state.UPLOAD_MESSAGE]
    if message:
        (upload.success if message[0] == "success" else upload.error)(text.plain(message[1]))


def _file_bytes(shared: SharedResources, entry: ModelEntry) -> bytes:
    if not entry.in_store:
        return model_to_bytes(entry.model)
    return shared.store.models.file_bytes(st.session_state[state.WORKSPACE], entry.key)


def _delete(model_id: str) -> None:
    try:
        resources.get_resources().store.models.delete(st.session_state[state.WORKSPACE], model_id)
    except StoreError as error:
        st.session_state[state.UPLOAD_MESSAGE] = ("error", str(error))


def _on_upload() -> None:
    session = st.session_state
    file = session.get(state.TRAIN_UPLOAD)
    if file is None:
        session[state.UPLOAD_MESSAGE] = None
        return
    shared = resources.get_resources()
    try:
        loaded = load_model_bytes(file.getvalue(), file.name)
        name = f"Uploaded · {Path(file.name).stem}"
        record = shared.store.models.add(
            session[state.WORKSPACE], name, "uploaded", loaded.model, info_from_loaded(loaded)
        )
    except (ModelFileError, StoreError) as error:
        session[state.UPLOAD_MESSAGE] = ("error", str(error))
        return
    select_everywhere(record.name)
    session[state.UPLOAD_MESSAGE] = ("success", f"Added {record.name} to your models.")
