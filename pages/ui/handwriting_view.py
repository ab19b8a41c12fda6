"""The My handwriting page's parts: the kept drawings, import and export, and how every model reads them."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from mnist_core.catalog import ModelEntry
from mnist_core.errors import DataError, StoreError
from mnist_core.evaluation import report_from_probabilities
from mnist_core.handwriting import export_zip, read_zip
from mnist_core.predict import predict_probabilities
from mnist_core.resources import SharedResources
from mnist_core.store import DrawingRecord
from pages.ui import charts, state, text


def thumbnail(image: np.ndarray) -> str:
    """A 28x28 image as a data URL for a table's image column."""
    buffer = io.BytesIO()
    Image.fromarray(image).resize((56, 56), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def drawings_table(shared: SharedResources, records: list[DrawingRecord], images: np.ndarray) -> None:
    """The kept drawings, digit by digit, with what the models said; selected rows can be deleted."""
    counts = np.bincount([record.label for record in records], minlength=10)
    st.caption("Kept per digit: " + " · ".join(f"**{digit}**: {count}" for digit, count in enumerate(counts)))
    order = sorted(range(len(records)), key=lambda index: (records[index].label, records[index].created))
    frame = pd.DataFrame(
        {
            "drawing": [thumbnail(images[index]) for index in order],
            "digit": [records[index].label for index in order],
            "models said": [_said(records[index]) for index in order],
        }
    )
    chosen = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(420, 40 + 62 * len(frame)),
        row_height=60,
        column_config={"drawing": st.column_config.ImageColumn("drawing", width="small")},
        on_select="rerun",
        selection_mode="multi-row",
        key=state.HANDWRITING_TABLE,
    )
    selected = [records[order[row]].id for row in chosen.selection.rows]
    if st.button(f"Delete {len(selected)} selected", icon=":material/delete:", disabled=not selected):
        for drawing_id in selected:
            shared.store.drawings.delete(st.session_state[state.WORKSPACE], drawing_id)
        st.rerun()


def _said(record: DrawingRecord) -> str:
    said = record.info.get("said") if isinstance(record.info, dict) else None
    if not isinstance(said, dict) or not said:
        return "imported" if record.info.get("source") == "import" else ""
    return ", ".join(f"{name}: {digit}" for name, digit in list(said.items())[:2])


def export_and_import(shared: SharedResources, records: list[DrawingRecord]) -> None:
    """A zip of folders 0/ … 9/ to download, and one to bring drawings back (or from another device)."""
    workspace_id = st.session_state[state.WORKSPACE]
    left, right = st.columns(2, gap="large")
    if records:
        left.download_button(
            f"Export {len(records)} drawings (.zip)",
            data=lambda: export_zip(
                [(r.label, f"{r.id}.png", shared.store.drawings.picture(workspace_id, r.id)) for r in records]
            ),
            on_click="ignore",
            file_name="my-handwriting.zip",
            mime="application/zip",
            icon=":material/download:",
        )
    right.file_uploader(
        "Import drawings (.zip of folders 0 to 9)",
        type=["zip"],
        key=state.HANDWRITING_IMPORT,
        on_change=_import,
        help="PNG or JPEG pictures in folders named 0 to 9: an export of this page, or photos of digits.",
    )
    note = st.session_state[state.HANDWRITING_NOTE]
    if note:
        (right.success if note[0] == "success" else right.error)(text.plain(note[1]))


def _import() -> None:
    from pages.ui import resources

    session = st.session_state
    upload = session.get(state.HANDWRITING_IMPORT)
    if upload is None:
        return
    store = resources.get_resources().store
    try:
        found = read_zip(upload.getvalue(), upload.name)
        for picture in found.pictures:
            store.drawings.add(
                session[state.WORKSPACE], picture.label, picture.data, picture.image, {"source": "import"}
            )
    except (DataError, StoreError) as error:
        session[state.HANDWRITING_NOTE] = ("error", str(error))
        return
    skipped = f"; skipped {len(found.skipped)}: {found.skipped[0]}" if found.skipped else ""
    session[state.HANDWRITING_NOTE] = ("success", f"Imported {len(found.pictures)} drawings{skipped}")


def scores(models: list[ModelEntry], images: np.ndarray, labels: np.ndarray, key: str) -> None:
    """Every model's accuracy on these drawings beside its MNIST test accuracy, and one model's confusion."""
    probabilities = {entry.name: _probabilities(entry, images, key) for entry in models}
    frame = pd.DataFrame(
        {
            "Model": [entry.name for entry in models],
            "On these drawings": [
                float((probabilities[entry.name].argmax(1) == labels).mean()) for entry in models
            ],
            "MNIST test": [entry.test_accuracy for entry in models],
        }
    )
    percent = st.column_config.NumberColumn(format="percent")
    column_config = {"On these drawings": percent, "MNIST test": percent}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
    names = [entry.name for entry in models]
    chosen = st.selectbox("Confusion matrix of", names, key=f"{state.HANDWRITING_CONFUSION}.{key}")
    report = report_from_probabilities(probabilities[chosen], labels.astype(np.int64))
    st.altair_chart(charts.confusion_chart(report.confusion, size=360), width="content")


def _probabilities(entry: ModelEntry, images: np.ndarray, key: str) -> np.ndarray:
    cache = st.session_state[state.EVALUATIONS]
    cache_key = (entry.key, key, len(images), int(images.sum()))
    if cache_key not in cache:
        cache[cache_key] = predict_probabilities(entry.model, images)
    return cache[cache_key]
