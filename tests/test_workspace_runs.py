"""Tests for mnist_core.workspace_runs: runs that belong to a workspace and keep their model themselves."""

import pytest

from mnist_core.architectures import MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.errors import JobError, StoreError
from mnist_core.limiter import TrainingLimiter
from mnist_core.progress import JobStatus
from mnist_core.store import WorkspaceStore
from mnist_core.store.workspaces import StoreLimits
from mnist_core.workspace_runs import WorkspaceRuns

QUICK = TrainingConfig(model=MLPConfig(hidden_units=(8,)), batch_size=64, epochs=1)
LONG = TrainingConfig(model=MLPConfig(hidden_units=(8,)), batch_size=4, epochs=50)


@pytest.fixture
def store(tmp_path):
    return WorkspaceStore(tmp_path)


def test_a_finished_run_saves_its_model_into_the_workspace_by_itself(store, tiny_splits):
    runs = WorkspaceRuns(store, TrainingLimiter(1), abandon_after_s=60)
    workspace_id = store.workspaces.create()

    run = runs.start(workspace_id, QUICK, "tiny", tiny_splits)
    assert run.job.wait(120) and run.settled

    assert run.label == "Run 1 · tiny" and run.model_name == "Run 1 · tiny"
    records = store.models.list(workspace_id)
    assert [(record.id, record.origin) for record in records] == [(run.model_id, "trained")]
    assert records[0].info["history"][0]["epoch"] == 1 and "ended_at" not in records[0].info["history"][0]
    assert [(record.label, record.status) for record in store.runs.list(workspace_id)] == [
        ("Run 1 · tiny", "done")
    ]
    assert runs.latest(workspace_id) is run
    assert runs.start(workspace_id, QUICK, "tiny", tiny_splits).label == "Run 2 · tiny"


def test_a_second_start_while_a_run_goes_is_refused(store, tiny_splits):
    runs = WorkspaceRuns(store, TrainingLimiter(1), abandon_after_s=60)
    workspace_id = store.workspaces.create()
    run = runs.start(workspace_id, LONG, "long", tiny_splits)
    try:
        with pytest.raises(JobError, match="still going"):
            runs.start(workspace_id, QUICK, "tiny", tiny_splits)
    finally:
        run.job.stop()
        run.job.wait(120)
    assert run.job.progress().status == JobStatus.DONE and run.model_id is not None


def test_a_run_goes_on_while_any_session_of_its_workspace_is_connected(store, tiny_splits):
    connected = {"first"}
    runs = WorkspaceRuns(store, TrainingLimiter(1), abandon_after_s=2.5, session_alive=connected.__contains__)
    workspace_id = store.workspaces.create()
    runs.attach(workspace_id, "first")
    run = runs.start(workspace_id, LONG, "long", tiny_splits)
    # The tab reloads: its first session is gone, a new one of the same workspace shows the run.
    runs.attach(workspace_id, "second")
    connected.clear()
    connected.add("second")
    assert not run.job.wait(5), "the run stopped although a session of its workspace is connected"
    connected.clear()  # Every tab closed: the run is abandoned after the grace period.
    assert run.job.wait(60)
    assert "because its page was closed" in run.job.progress().message


def test_a_full_workspace_refuses_to_start(tmp_path, tiny_splits, trained):
    store = WorkspaceStore(tmp_path, StoreLimits(max_models=1))
    runs = WorkspaceRuns(store, TrainingLimiter(1), abandon_after_s=60)
    workspace_id = store.workspaces.create()
    store.models.add(workspace_id, "one", "trained", trained.model, {})
    with pytest.raises(StoreError, match="the most this server keeps"):
        runs.start(workspace_id, QUICK, "tiny", tiny_splits)


def test_a_model_that_cannot_be_saved_stays_usable_in_memory(store, tiny_splits, monkeypatch):
    runs = WorkspaceRuns(store, TrainingLimiter(1), abandon_after_s=60)
    workspace_id = store.workspaces.create()

    def full(*args, **kwargs):
        raise StoreError(
            "The server's disk is full, so it could not save the model; nothing you had was lost."
        )

    monkeypatch.setattr(store.models, "add", full)
    run = runs.start(workspace_id, QUICK, "tiny", tiny_splits)
    assert run.job.wait(120)

    assert "disk is full" in run.save_error and run.model_id is None
    [unsaved] = runs.unsaved_models(workspace_id)
    assert unsaved.name == "Run 1 · tiny (not saved)" and unsaved.model is run.job.result.model
    assert not unsaved.in_store
