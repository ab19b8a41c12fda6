"""The models of each workspace: a `.keras` file and a JSON record each, indexed in the database."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mnist_core.catalog import unique_name
from mnist_core.errors import StoreError
from mnist_core.store.database import reported, write_json
from mnist_core.store.workspaces import Workspaces

MODEL_CACHE_SIZE = 24  # Keras models kept in memory, across all workspaces.
MODEL_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class ModelRecord:
    """A model kept in a workspace: its file's id, name, origin, size and what is known about it."""

    id: str
    name: str
    origin: str
    created: float
    bytes: int
    info: dict[str, Any]


class Models:
    """Adding, listing, loading and deleting the models of workspaces, and their evaluation reports."""

    def __init__(self, workspaces: Workspaces):
        self.workspaces, self.limits = workspaces, workspaces.limits
        self.database = workspaces.database
        self._cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def list(self, workspace_id: str) -> list[ModelRecord]:
        """The workspace's models, oldest first."""
        key = self.workspaces.key(workspace_id)
        query = "SELECT id, name, origin, created, bytes, info FROM models WHERE workspace = ?"
        with self.database.transaction() as db:
            rows = db.execute(query + " ORDER BY created", (key,)).fetchall()
        return [ModelRecord(row[0], row[1], row[2], row[3], row[4], json.loads(row[5])) for row in rows]

    def check_room(self, workspace_id: str) -> None:
        """Raises StoreError when the workspace already holds as many models as it may."""
        count = len(self.list(workspace_id))
        if count >= self.limits.max_models:
            raise StoreError(
                f"Your workspace holds {count} models, the most this server keeps (MNIST_MAX_MODELS); "
                "delete one under Your models on the Train page first."
            )

    def add(self, workspace_id: str, name: str, origin: str, model: Any, info: dict) -> ModelRecord:
        """Saves a Keras model into the workspace under a unique name like `name` or `name (2)`.

        Raises:
            StoreError: The workspace is full (models or bytes), or the disk is.
        """
        from mnist_core.persistence import write_model_file

        key = self.workspaces.key(workspace_id)
        self.check_room(workspace_id)
        model_id = uuid.uuid4().hex
        folder = self.workspaces.folder(key) / "models"
        path = folder / f"{model_id}.keras"
        with reported("save the model"), _removed_on_error(path):
            folder.mkdir(parents=True, exist_ok=True)
            write_model_file(model, path)
            size = path.stat().st_size
            used = sum(record.bytes for record in self.list(workspace_id))
            if used + size > self.limits.max_bytes:
                raise StoreError(
                    f"Your workspace would hold {(used + size) / 1e6:.0f} MB of models, more than this "
                    f"server keeps ({self.limits.max_bytes / 1e6:.0f} MB, MNIST_MAX_WORKSPACE_MB); "
                    "delete a model first."
                )
            with self.database.transaction() as db:
                taken = [row[0] for row in db.execute("SELECT name FROM models WHERE workspace = ?", (key,))]
                record = ModelRecord(model_id, unique_name(name, taken), origin, time.time(), size, info)
                db.execute(
                    "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (model_id, key, record.name, origin, record.created, size, json.dumps(info)),
                )
            write_json(path.with_suffix(".json"), asdict(record))
        self._remember((key, model_id), model)
        return record

    def load(self, workspace_id: str, model_id: str) -> Any:
        """The Keras model, from memory or from its file (in safe mode, checked like any upload).

        Raises:
            StoreError: No such model in the workspace.
            ModelFileError: Its file is damaged.
        """
        from mnist_core.persistence import load_model

        key = self.workspaces.key(workspace_id)
        with self._lock:
            if (key, model_id) in self._cache:
                self._cache.move_to_end((key, model_id))
                return self._cache[(key, model_id)]
        model = load_model(self._path(key, model_id)).model
        self._remember((key, model_id), model)
        return model

    def file_bytes(self, workspace_id: str, model_id: str) -> bytes:
        """A model's `.keras` file, for a download."""
        path = self._path(self.workspaces.key(workspace_id), model_id)
        with reported("read the model file"):
            return path.read_bytes()

    def update_info(self, workspace_id: str, model_id: str, info: dict) -> None:
        """Replaces what is known about a model (figures that arrive after it was kept)."""
        key = self.workspaces.key(workspace_id)
        path = self._path(key, model_id)
        with self.database.transaction() as db:
            query = "UPDATE models SET info = ? WHERE id = ? AND workspace = ?"
            db.execute(query, (json.dumps(info), model_id, key))
            row = db.execute(
                "SELECT name, origin, created, bytes FROM models WHERE id = ?", (model_id,)
            ).fetchone()
        record = ModelRecord(model_id, row[0], row[1], row[2], row[3], info)
        with reported("update the model's record"):
            write_json(path.with_suffix(".json"), asdict(record))

    def delete(self, workspace_id: str, model_id: str) -> None:
        """Removes a model (its file, record and reports) from the workspace."""
        key = self.workspaces.key(workspace_id)
        path = self._path(key, model_id)
        with self.database.transaction() as db:
            db.execute("DELETE FROM models WHERE id = ? AND workspace = ?", (model_id, key))
        for leftover in (path, path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        with self._lock:
            self._cache.pop((key, model_id), None)

    def save_report(self, workspace_id: str, model_id: str, split: str, body: dict) -> None:
        """Keeps a model's evaluation on a split, so the Errors page scores it once."""
        self._path(self.workspaces.key(workspace_id), model_id)
        with self.database.transaction() as db:
            db.execute("INSERT OR REPLACE INTO reports VALUES (?, ?, ?)", (model_id, split, json.dumps(body)))

    def load_report(self, workspace_id: str, model_id: str, split: str) -> dict | None:
        key = self.workspaces.key(workspace_id)
        query = "SELECT body FROM reports JOIN models ON models.id = reports.model"
        query += " WHERE model = ? AND split = ? AND models.workspace = ?"
        with self.database.transaction() as db:
            row = db.execute(query, (model_id, split, key)).fetchone()
        return json.loads(row[0]) if row else None

    def forget_workspace(self, key: str) -> None:
        """Drops a deleted workspace's models from memory."""
        with self._lock:
            for item in [item for item in self._cache if item[0] == key]:
                del self._cache[item]

    def _path(self, key: str, model_id: str) -> Path:
        if not isinstance(model_id, str) or not MODEL_ID.fullmatch(model_id):
            raise StoreError(f"There is no model {str(model_id)[:40]!r} in your workspace.")
        path = self.workspaces.folder(key) / "models" / f"{model_id}.keras"
        if not path.is_file():
            raise StoreError("That model is no longer in your workspace; it may have been deleted.")
        return path

    def _remember(self, item: tuple[str, str], model: Any) -> None:
        with self._lock:
            self._cache[item] = model
            self._cache.move_to_end(item)
            while len(self._cache) > MODEL_CACHE_SIZE:
                self._cache.popitem(last=False)


@contextlib.contextmanager
def _removed_on_error(path: Path) -> Iterator[None]:
    """Deletes the model file and its record if writing them (or indexing them) fails."""
    try:
        yield
    except BaseException:
        for leftover in (path, path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise
