"""Tests for mnist_core.store: workspaces, their models and records, on disk and in SQLite."""

import errno
import os
import sqlite3
import threading
import time

import numpy as np
import pytest

from mnist_core.errors import StoreError
from mnist_core.predict import predict_probabilities
from mnist_core.store import WorkspaceStore, new_workspace_id
from mnist_core.store.workspaces import StoreLimits, workspace_key


@pytest.fixture
def store(tmp_path):
    return WorkspaceStore(tmp_path / "data")


def test_a_new_workspace_exists_and_its_id_is_never_stored(store, tmp_path):
    workspace_id = store.workspaces.create()

    assert len(workspace_id) == 32 and store.workspaces.exists(workspace_id)
    assert not store.workspaces.exists(new_workspace_id())
    on_disk = b"".join(path.read_bytes() for path in (tmp_path / "data").rglob("*") if path.is_file())
    assert workspace_id.encode() not in on_disk
    assert (tmp_path / "data" / "workspaces" / workspace_key(workspace_id)).is_dir()


@pytest.mark.parametrize(
    "bad_id",
    ["", "short", "../../etc/passwd" + "x" * 16, "a" * 31 + "/", "a" * 33, None, 12, "a" * 31 + "\n"],
)
def test_invalid_ids_are_refused_without_touching_the_disk(store, bad_id):
    assert not store.workspaces.exists(bad_id)
    assert store.workspaces.gone_reason(bad_id) is None
    with pytest.raises(StoreError, match="workspace id is not valid"):
        store.models.list(bad_id)


def test_an_unknown_valid_id_is_not_adopted(store):
    with pytest.raises(StoreError, match="no longer exists"):
        store.models.list(new_workspace_id())


def test_models_round_trip_through_the_store(store, trained):
    workspace_id = store.workspaces.create()
    info = {"test_accuracy": trained.test_accuracy, "history": [{"epoch": 1, "val_accuracy": 0.5}]}

    first = store.models.add(workspace_id, "Run 1 · tiny", "trained", trained.model, info)
    second = store.models.add(workspace_id, "Run 1 · tiny", "trained", trained.model, info)

    assert [record.name for record in store.models.list(workspace_id)] == ["Run 1 · tiny", "Run 1 · tiny (2)"]
    assert store.models.list(workspace_id)[0].info == info and first.bytes > 0
    fresh = WorkspaceStore(store.root)  # A new process: nothing cached.
    images = np.zeros((2, 28, 28), np.float32)
    loaded = fresh.models.load(workspace_id, second.id)
    np.testing.assert_allclose(
        predict_probabilities(loaded, images), predict_probabilities(trained.model, images)
    )
    assert fresh.models.file_bytes(workspace_id, first.id)[:2] == b"PK"


def test_another_workspace_sees_none_of_the_models(store, trained):
    mine, theirs = store.workspaces.create(), store.workspaces.create()
    record = store.models.add(mine, "mine", "trained", trained.model, {})

    assert store.models.list(theirs) == []
    with pytest.raises(StoreError, match="no longer in your workspace"):
        store.models.load(theirs, record.id)
    with pytest.raises(StoreError, match="There is no model"):
        store.models.load(mine, "../" + record.id)


def test_model_limits_refuse_with_a_clear_message(tmp_path, trained):
    store = WorkspaceStore(tmp_path, StoreLimits(max_models=1))
    workspace_id = store.workspaces.create()
    store.models.add(workspace_id, "one", "trained", trained.model, {})

    with pytest.raises(StoreError, match="holds 1 models, the most this server keeps"):
        store.models.add(workspace_id, "two", "trained", trained.model, {})
    small = WorkspaceStore(tmp_path / "small", StoreLimits(max_bytes=1000))
    tiny_space = small.workspaces.create()
    with pytest.raises(StoreError, match="more than this server keeps"):
        small.models.add(tiny_space, "big", "trained", trained.model, {})
    assert small.models.list(tiny_space) == []
    assert not list((tmp_path / "small" / "workspaces").rglob("*.keras")), "a refused model left its file"


def test_forgetting_deletes_everything_and_says_so(store, trained):
    workspace_id = store.workspaces.create()
    store.models.add(workspace_id, "mine", "trained", trained.model, {})
    folder = store.workspaces.folder(workspace_key(workspace_id))

    store.workspaces.forget(workspace_id)

    assert not store.workspaces.exists(workspace_id) and not folder.exists()
    assert store.workspaces.gone_reason(workspace_id) == "forgotten"


def test_idle_workspaces_expire(store):
    old, recent = store.workspaces.create(), store.workspaces.create()
    with sqlite3.connect(store.database.path) as db:
        db.execute(
            "UPDATE workspaces SET seen = ? WHERE key = ?", (time.time() - 40 * 86400, workspace_key(old))
        )

    assert store.workspaces.expire_idle() == 1
    assert not store.workspaces.exists(old) and store.workspaces.exists(recent)
    assert store.workspaces.gone_reason(old) == "expired"
    with pytest.raises(StoreError, match="no longer exists"):
        store.models.list(old)


def test_concurrent_writers_lose_nothing(store):
    workspace_ids = [store.workspaces.create() for _ in range(4)]
    errors = []

    def write(workspace_id: str) -> None:
        try:
            for number in range(25):
                store.workspaces.save_form(workspace_id, {"epochs": number})
                run_id = store.runs.record(workspace_id, f"Run {number}", {"epochs": number})
                store.runs.update(workspace_id, run_id, "done", "Finished.")
        except Exception as error:  # noqa: BLE001 - collected for the assertion below.
            errors.append(error)

    threads = [threading.Thread(target=write, args=(workspace_id,)) for workspace_id in workspace_ids * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for workspace_id in workspace_ids:
        runs = store.runs.list(workspace_id)
        assert len(runs) == 50 and {run.status for run in runs} == {"done"}
        assert store.workspaces.load_form(workspace_id) == {"epochs": 24}


def test_a_corrupt_database_is_rebuilt_from_the_model_files(store, trained):
    workspace_id = store.workspaces.create()
    record = store.models.add(workspace_id, "keep me", "trained", trained.model, {"test_accuracy": 0.9})
    store.database.path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        path = store.database.path.with_name(store.database.path.name + suffix)
        if path.exists():
            path.unlink()

    rebuilt = WorkspaceStore(store.root)

    assert len(rebuilt.notices) == 1 and "1 models recovered" in rebuilt.notices[0]
    assert rebuilt.workspaces.exists(workspace_id)
    assert [(item.id, item.name, item.info) for item in rebuilt.models.list(workspace_id)] == [
        (record.id, "keep me", {"test_accuracy": 0.9})
    ]
    assert list(store.root.glob("store.db.damaged-*")), "the damaged file is kept for inspection"


def test_a_full_disk_ends_in_a_clear_message_and_keeps_the_other_models(store, trained, monkeypatch):
    from mnist_core import persistence

    workspace_id = store.workspaces.create()
    kept = store.models.add(workspace_id, "kept", "trained", trained.model, {})

    def full_disk(model, path):
        path.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(persistence, "write_model_file", full_disk)
    with pytest.raises(StoreError, match=r"disk is full.*nothing you had was lost"):
        store.models.add(workspace_id, "new", "trained", trained.model, {})

    assert [record.id for record in store.models.list(workspace_id)] == [kept.id]
    folder = store.workspaces.folder(workspace_key(workspace_id)) / "models"
    assert sorted(path.name for path in folder.iterdir()) == sorted([f"{kept.id}.keras", f"{kept.id}.json"])


def test_runs_left_unfinished_by_a_restart_are_marked_interrupted(store):
    workspace_id = store.workspaces.create()
    running = store.runs.record(workspace_id, "Run 1 · fast-cnn", {"epochs": 4})
    done = store.runs.record(workspace_id, "Run 2 · fast-cnn", {"epochs": 4})
    store.runs.update(workspace_id, done, "done", "Finished 4 epochs.")

    restarted = WorkspaceStore(store.root)

    statuses = {run.id: (run.status, run.message) for run in restarted.runs.list(workspace_id)}
    assert statuses[done] == ("done", "Finished 4 epochs.")
    assert statuses[running][0] == "interrupted" and "server restarted" in statuses[running][1]


def test_reports_and_forms_belong_to_their_workspace(store, trained):
    mine, theirs = store.workspaces.create(), store.workspaces.create()
    record = store.models.add(mine, "mine", "trained", trained.model, {})
    store.models.save_report(mine, record.id, "test", {"accuracy": 0.5})
    store.workspaces.save_form(mine, {"epochs": 3})

    assert store.models.load_report(mine, record.id, "test") == {"accuracy": 0.5}
    assert store.models.load_report(theirs, record.id, "test") is None
    assert store.workspaces.load_form(theirs) is None and store.workspaces.load_form(mine) == {"epochs": 3}
    store.models.delete(mine, record.id)
    assert store.models.load_report(mine, record.id, "test") is None


def test_the_oldest_idle_workspace_makes_room_when_the_server_is_full(tmp_path):
    store = WorkspaceStore(tmp_path, StoreLimits(max_workspaces=2))
    oldest, newer = store.workspaces.create(), store.workspaces.create()
    with sqlite3.connect(store.database.path) as db:
        db.execute(
            "UPDATE workspaces SET seen = ? WHERE key = ?", (time.time() - 2 * 86400, workspace_key(oldest))
        )

    third = store.workspaces.create()

    assert not store.workspaces.exists(oldest)
    assert store.workspaces.exists(newer) and store.workspaces.exists(third)
    with pytest.raises(StoreError, match="as many workspaces as it may"):
        store.workspaces.create()  # Nobody else has been idle for a day.
