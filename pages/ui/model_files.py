"""The Train page's model files: the session's models table, a download button and an upload box."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from mnist_core.catalog import entry_from_loaded
from mnist_core.errors import ModelFileError
from mnist_core.persistence import load_model_bytes, model_to_bytes
from mnist_core.resources import SharedResources
from pages.ui import state
from pages.ui.models import add_model, all_models, new_model_name, show_models_table


def model_files(resources: SharedResources) -> None:
    """The session's models, with a download button and an upload box."""
    st.subheader("Your models")
    models = all_models(resources)
    show_models_table(models)
    download, upload = st.columns(2, gap="large")
    if models:
        names = [entry.name for entry in models]
        name = download.selectbox("Model to download", names, index=len(names) - 1)
        model = models[names.index(name)].model
        download.download_button(
            "Download .keras",
            data=lambda: model_to_bytes(model),
            on_click="ignore",
            file_name=f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-').lower()}.keras",
            mime="application/octet-stream",
            icon=":material/download:",
        )
    upload.file_uploader(
        "Upload a .keras model",
        key=state.TRAIN_UPLOAD,
        on_change=_on_upload,
        help="A Keras 3 model file mapping a 28×28 image to 10 classes.",
    )
    message = st.session_state[state.UPLOAD_MESSAGE]
    if message:
        (upload.success if message[0] == "success" else upload.error)(message[1])


def _on_upload() -> None:
    session = st.session_state
    file = session.get(state.TRAIN_UPLOAD)
    if file is None:
        session[state.UPLOAD_MESSAGE] = None
        return
    try:
        loaded = load_model_bytes(file.getvalue(), file.name)
    except ModelFileError as error:
        session[state.UPLOAD_MESSAGE] = ("error", str(error))
        return
    name = new_model_name(f"Uploaded · {Path(file.name).stem}")
    add_model(entry_from_loaded(loaded, name, "uploaded"))
    session[state.UPLOAD_MESSAGE] = ("success", f"Added **{name}** to your models.")
