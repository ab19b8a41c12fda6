"""AppTest tests of the workspace: what a browser makes survives a new session and a server restart.

AppTest cannot keep a cookie between sessions, so a "reload" here opens the
same workspace with its private link (`?workspace=ID`), as a second device would.
"""

import pytest
from streamlit.runtime.pages_manager import PagesManager

from mnist_core.persistence import model_to_bytes
from mnist_core.resources import forget_shared_resources
from mnist_core.store import new_workspace_id
from pages.ui import state
from pages.ui.resources import get_resources
from pages.ui.workspace import TRANSFER_PARAM
from tests.apptest import (
    STREAMLIT_PAGES_MANAGER_INIT,
    button,
    model_names,
    open_app,
    server_environment,
    texts,
)

HOSTILE = "**Session expired.** [Log in again](https://evil.example/login) ![t](https://evil.example/t.png)"


@pytest.fixture(scope="module", autouse=True)
def app_environment(tiny_npz, tmp_path_factory):
    """Tiny data and a workspace folder of this module's own."""
    folder = tmp_path_factory.mktemp("workspace-tests")
    with server_environment(MNIST_NPZ=tiny_npz, MNIST_WORKSPACE_DIR=folder, MNIST_MAX_MODELS=3):
        yield


def upload_default_mlp(at) -> None:
    data = model_to_bytes(get_resources().default_models[1].model)
    at.file_uploader(key=state.TRAIN_UPLOAD).set_value(("mine.keras", data, "application/octet-stream")).run()


def test_each_new_session_gets_its_own_unguessable_workspace():
    first, second = open_app(), open_app()
    ids = {first.session_state[state.WORKSPACE], second.session_state[state.WORKSPACE]}
    assert len(ids) == 2 and all(len(workspace_id) == 32 for workspace_id in ids)


def test_models_and_the_train_form_come_back_in_a_new_session():
    at = open_app("pages/train.py")
    upload_default_mlp(at)
    at.number_input(key="cfg.epochs").set_value(7).run()
    workspace_id = at.session_state[state.WORKSPACE]

    again = open_app("pages/train.py", {TRANSFER_PARAM: workspace_id})

    assert again.session_state[state.WORKSPACE] == workspace_id
    assert TRANSFER_PARAM not in again.query_params, "the private link leaves the address bar"
    assert model_names(again)[-1] == "Uploaded · mine"
    assert again.number_input(key="cfg.epochs").value == 7


def test_models_survive_a_server_restart():
    at = open_app("pages/train.py")
    upload_default_mlp(at)
    workspace_id = at.session_state[state.WORKSPACE]

    forget_shared_resources()  # A new server process over the same workspace folder.
    after = open_app("pages/train.py", {TRANSFER_PARAM: workspace_id})

    assert model_names(after)[-1] == "Uploaded · mine"


def test_a_run_interrupted_by_a_restart_says_so():
    at = open_app("pages/train.py")
    workspace_id = at.session_state[state.WORKSPACE]
    get_resources().store.runs.record(workspace_id, "Run 1 · fast-cnn", {})

    forget_shared_resources()
    after = open_app("pages/train.py", {TRANSFER_PARAM: workspace_id})

    assert "Run 1 · fast-cnn: The server restarted during this run" in texts(after.warning)


def test_an_unknown_or_malformed_workspace_link_gets_a_new_workspace():
    guessed = new_workspace_id()
    for link in (guessed, "../../etc/passwd", "x" * 500):
        at = open_app(query={TRANSFER_PARAM: link})
        assert at.session_state[state.WORKSPACE] not in (guessed, link)
        assert not at.exception


def test_a_full_workspace_refuses_another_model_in_one_sentence():
    at = open_app("pages/train.py")
    for _ in range(3):
        upload_default_mlp(at)
    upload_default_mlp(at)
    assert "holds 3 models, the most this server keeps (MNIST_MAX_MODELS)" in texts(at.error)
    assert len(model_names(at)) == 2 + 3


def test_forget_this_workspace_deletes_it_and_starts_a_new_one():
    at = open_app("pages/train.py")
    upload_default_mlp(at)
    old = at.session_state[state.WORKSPACE]
    button(at, "Forget this workspace").click().run()
    button(at, "Yes, delete it all").click().run()

    assert at.session_state[state.WORKSPACE] != old
    assert model_names(at) == ["Default CNN", "Default MLP"]
    assert "forgotten" in texts(at.sidebar.info)
    assert not get_resources().store.workspaces.exists(old)


def test_link_values_are_shown_as_plain_text_and_shortened():
    at = open_app("pages/train.py", {"activation": HOSTILE * 5})
    warning = at.warning[0].value
    # Every Markdown character is escaped: the browser shows no bold text, link or image.
    assert "](" not in warning and "**" not in warning and "![" not in warning
    assert len(warning) < 400
    assert "Ignored activation=" in texts(at.warning)


def test_a_page_opened_without_the_lifespan_hook_still_runs_inside_app_py(monkeypatch):
    # As on a host that runs the script without st.App's lifespan: Streamlit takes pages/ for old-style pages.
    monkeypatch.setattr(PagesManager, "__init__", STREAMLIT_PAGES_MANAGER_INIT)
    at = open_app("pages/draw.py")

    assert [expander.label for expander in at.sidebar.expander] == ["Your workspace"]
    assert at.session_state[state.WORKSPACE] is not None
