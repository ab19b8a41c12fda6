"""This browser's workspace: an unguessable id in a cookie, so a reload, reconnect or restart loses nothing.

On a first visit the store makes a workspace and the page asks the browser to
keep its id in a cookie (for `MNIST_WORKSPACE_DAYS`). Every later session of
that browser (a reload, Wi-Fi that drops and reconnects, a second tab) reads
the cookie and opens the same workspace. The id never appears in a URL, so a
link a teacher copies from the address bar carries settings, never their work.
To move to another device, the workspace panel offers a private link
(`?workspace=ID`) that is adopted once and then removed from the address bar.
An id the store does not know is never adopted (nobody can choose an id for
someone else); a new workspace is made instead.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_core.errors import StoreError
from mnist_core.store import ID_PATTERN
from pages.ui import resources, state, text

COOKIE = "mnist_playground_workspace"
TRANSFER_PARAM = "workspace"
GONE = {
    "expired": "Your previous workspace was deleted after {days} days without use; this is a new, empty one.",
    "forgotten": "Your workspace was forgotten (deleted) as asked; this is a new, empty one.",
}


def current() -> str:
    """This session's workspace id: the one it has, the browser's cookie, a private link, or a new one."""
    session = st.session_state
    store = resources.get_resources().store
    workspace_id = session[state.WORKSPACE]
    link = st.query_params.get(TRANSFER_PARAM)
    if link is not None:
        del st.query_params[TRANSFER_PARAM]  # Never leave the secret in the address bar.
    if workspace_id is None or not store.workspaces.exists(workspace_id) or link:
        workspace_id = _open(link, st.context.cookies.get(COOKIE), workspace_id)
        session[state.WORKSPACE] = workspace_id
    context = get_script_run_ctx()
    if context is not None:
        resources.get_resources().runs.attach(workspace_id, context.session_id)
    return workspace_id


def _open(*candidates: str | None) -> str:
    """The first candidate that names a kept workspace, else a new workspace (saying why, if one is gone)."""
    shared = resources.get_resources()
    store, days = shared.store, shared.settings.workspace_days
    for candidate in candidates:
        if candidate and store.workspaces.exists(candidate):
            return candidate
    reasons = [store.workspaces.gone_reason(candidate) for candidate in candidates if candidate]
    reason = next((reason for reason in reasons if reason), None)
    if reason is not None:
        st.session_state[state.WORKSPACE_NOTICE] = GONE[reason].format(days=days)
    return store.workspaces.create()


def remember_in_browser(workspace_id: str) -> None:
    """Asks the browser to keep the id in a cookie (once per session, and only when it differs)."""
    session = st.session_state
    if st.context.cookies.get(COOKIE) == workspace_id or session[state.COOKIE_WRITTEN] == workspace_id:
        return
    if not ID_PATTERN.fullmatch(workspace_id):
        return  # Never write anything but an id of ours into a script.
    days = resources.get_resources().settings.workspace_days
    secure = "; Secure" if (st.context.url or "").startswith("https:") else ""
    cookie = f"{COOKIE}={workspace_id}; path=/; max-age={days * 86400}; SameSite=Lax{secure}"
    with st.sidebar:
        st.html(f"<script>document.cookie = {cookie!r};</script>", unsafe_allow_javascript=True, width=1)
    session[state.COOKIE_WRITTEN] = workspace_id


def sidebar_panel(workspace_id: str) -> None:
    """The workspace's note in the sidebar: what it keeps, a private link to move, and Forget."""
    session = st.session_state
    if session[state.WORKSPACE_NOTICE]:
        st.sidebar.info(session[state.WORKSPACE_NOTICE], icon=":material/info:")
        session[state.WORKSPACE_NOTICE] = None
    shared = resources.get_resources()
    with st.sidebar.expander("Your workspace", icon=":material/folder_shared:"):
        try:
            count = len(shared.store.models.list(workspace_id))
        except StoreError as error:
            st.error(text.plain(error))
            return
        st.caption(
            f"This browser's models, drawings and Train form are kept on the server ({count} of "
            f"{shared.settings.max_models} models) and survive reloads; unused for "
            f"{shared.settings.workspace_days} days, they are deleted."
        )
        base = (st.context.url or "").split("?")[0]
        st.caption("To continue on another device, open this private link there (never share it):")
        st.code(f"{base}?{TRANSFER_PARAM}={workspace_id}", language=None)
        if st.button("Forget this workspace", icon=":material/delete:", help="Deletes everything kept here."):
            session[state.FORGET_PENDING] = True
        if session[state.FORGET_PENDING]:
            st.warning("Delete every model and drawing of this workspace?")
            yes, no = st.columns(2)
            if yes.button("Yes, delete it all", type="primary"):
                shared.store.workspaces.forget(workspace_id)
                session[state.WORKSPACE] = None
                session[state.WORKSPACE_NOTICE] = GONE["forgotten"]
                session[state.FORGET_PENDING] = False
                st.rerun()
            if no.button("No, keep it"):
                session[state.FORGET_PENDING] = False
                st.rerun()
