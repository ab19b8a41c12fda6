"""A class set on the My handwriting page: start one, join one by its link, add drawings, test, teach.

The student link `?class=CODE` and the teacher link `?class=CODE&teacher=SECRET`
are read once, kept in the workspace (so a reload keeps them) and removed from
the address bar. Students only ever add copies of their own drawings; only the
teacher's link can delete drawings or close the set.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core.catalog import ModelEntry
from mnist_core.errors import StoreError
from mnist_core.resources import SharedResources
from mnist_core.store import DrawingRecord
from pages.ui import handwriting_view, state, teach_view, text

CODE_PARAM, TEACHER_PARAM = "class", "teacher"


def joined(shared: SharedResources) -> tuple[str | None, str | None]:
    """(class code, teacher secret) of this workspace: from a link just opened, else as kept."""
    workspace_id = st.session_state[state.WORKSPACE]
    notes = shared.store.workspaces.load_notes(workspace_id)
    code, teacher = st.query_params.get(CODE_PARAM), st.query_params.get(TEACHER_PARAM)
    for name in (CODE_PARAM, TEACHER_PARAM):
        if name in st.query_params:
            del st.query_params[name]
    if code is not None:
        if not shared.store.classes.exists(code):
            st.error("There is no open class set with that link's code; ask your teacher for the link again.")
        else:
            notes["class"] = {
                "code": code,
                "teacher": teacher if shared.store.classes.is_teacher(code, teacher) else None,
            }
            shared.store.workspaces.save_notes(workspace_id, notes)
    kept = notes.get("class") if isinstance(notes.get("class"), dict) else {}
    code = kept.get("code")
    if code and not shared.store.classes.exists(code):
        st.info("The class set you had joined was closed by its teacher.", icon=":material/info:")
        notes.pop("class", None)
        shared.store.workspaces.save_notes(workspace_id, notes)
        return None, None
    return code, kept.get("teacher")


def class_panel(
    shared: SharedResources, models: list[ModelEntry], mine: list[DrawingRecord], selected: list[str]
) -> None:
    """The class set: start or join it, add drawings, test models on it, teach one; the teacher's tools."""
    code, teacher = joined(shared)
    base = (st.context.url or "").split("?")[0]
    if code is None:
        st.caption("Pool drawings with your class: the teacher starts a set and hands out its link.")
        if st.button("Start a class set", icon=":material/groups:"):
            links = shared.store.classes.create()
            notes = shared.store.workspaces.load_notes(st.session_state[state.WORKSPACE])
            notes["class"] = {"code": links.code, "teacher": links.teacher}
            shared.store.workspaces.save_notes(st.session_state[state.WORKSPACE], notes)
            st.rerun()
        return
    classes = shared.store.classes
    records = classes.records(code)
    st.markdown(f"Class set **{code}** · {len(records)} drawings")
    st.caption("Student link (share this one):")
    st.code(f"{base}?{CODE_PARAM}={code}", language=None)
    if teacher:
        st.caption("Your teacher link (keep it: it deletes drawings and closes the set):")
        st.code(f"{base}?{CODE_PARAM}={code}&{TEACHER_PARAM}={teacher}", language=None)
    add_selected, add_all = st.columns(2)
    chosen = [record for record in mine if record.id in selected]
    if add_selected.button(f"Add the {len(chosen)} selected above", disabled=not chosen):
        _add(shared, code, chosen)
    if add_all.button(f"Add all my {len(mine)} drawings", disabled=not mine):
        _add(shared, code, mine)
    if not records:
        return
    images, labels = classes.images(code)
    handwriting_view.scores(models, images, labels, key=f"class-{code}")
    teach_view.teach_panel(shared, models, images, labels, taught="the class set")
    if teacher:
        _teacher_tools(shared, code, teacher, records, images)


def _add(shared: SharedResources, code: str, records: list[DrawingRecord]) -> None:
    workspace_id = st.session_state[state.WORKSPACE]
    images, labels = shared.store.drawings.images(workspace_id, records)
    try:
        for record, image, label in zip(records, images, labels, strict=True):
            picture = shared.store.drawings.picture(workspace_id, record.id)
            shared.store.classes.add(code, workspace_id, picture, image, int(label), {"source": "student"})
    except StoreError as error:
        st.error(text.plain(error))
        return
    st.success(f"Added {len(records)} drawings to the class set.")


def _teacher_tools(shared: SharedResources, code: str, teacher: str, records, images: np.ndarray) -> None:
    st.markdown("**Teacher:** delete drawings, or close the set")
    names = [f"{record.label} · {index + 1}" for index, record in enumerate(records)]
    doomed = st.multiselect("Drawings to delete", names, key=state.CLASS_DELETE)
    if st.button(f"Delete {len(doomed)} drawings", disabled=not doomed):
        for name in doomed:
            shared.store.classes.delete(code, teacher, records[names.index(name)].id)
        st.rerun()
    if st.button("Close the class set", icon=":material/lock:", help="Deletes the set and all its drawings."):
        shared.store.classes.close(code, teacher)
        st.rerun()
