"""Workspaces: creating, finding, forgetting and expiring them, and their saved Train form."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mnist_core.errors import StoreError
from mnist_core.store.database import Database, reported, write_json

ID_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 random bits.
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
SEEN_EVERY_S = 60.0  # How often "last seen" is written while a workspace is in use.
IDLE_BEFORE_EVICTION_S = 86400.0


@dataclass(frozen=True)
class StoreLimits:
    """What one workspace may hold, how long an idle one is kept, and how many are kept at most."""

    max_models: int = 20
    max_bytes: int = 200_000_000
    expiry_days: float = 30.0
    max_workspaces: int = 1000
    max_drawings: int = 500


def new_workspace_id() -> str:
    """An unguessable workspace id: 32 URL-safe characters."""
    return secrets.token_urlsafe(ID_BYTES)


def workspace_key(workspace_id: str) -> str:
    """What the store keeps of an id: its SHA-256, so the database never holds an id itself."""
    return hashlib.sha256(workspace_id.encode()).hexdigest()[:40]


def valid_id(workspace_id: object) -> bool:
    """Whether `workspace_id` has the shape of an id this store makes (no path tricks can pass)."""
    return isinstance(workspace_id, str) and ID_PATTERN.fullmatch(workspace_id) is not None


class Workspaces:
    """The workspaces kept in `root/workspaces/<key>/`, and the database that indexes them."""

    def __init__(self, root: Path, limits: StoreLimits):
        self.root, self.limits = root, limits
        self.on_delete: list[Callable[[str], None]] = []
        self._seen: dict[str, float] = {}
        with reported("create the workspace folder"):
            (root / "workspaces").mkdir(parents=True, exist_ok=True)
        self.database = Database(root / "store.db", root / "workspaces")

    def create(self) -> str:
        """Makes a new, empty workspace; returns its id (the only time the store sees the id itself)."""
        workspace_id = new_workspace_id()
        key, now = workspace_key(workspace_id), time.time()
        self._evict_for_room()
        with reported("create the workspace's folder"):
            self.folder(key).mkdir(parents=True, exist_ok=True)
            write_json(self.folder(key) / "workspace.json", {"key": key, "created": now})
        with self.database.transaction() as db:
            db.execute("INSERT INTO workspaces VALUES (?, ?, ?, NULL, NULL)", (key, now, now))
        self._seen[key] = now
        return workspace_id

    def exists(self, workspace_id: object) -> bool:
        """Whether `workspace_id` is a valid id of a workspace kept here (and marks it as in use)."""
        if not valid_id(workspace_id):
            return False
        key = workspace_key(str(workspace_id))
        with self.database.transaction() as db:
            found = db.execute("SELECT 1 FROM workspaces WHERE key = ?", (key,)).fetchone() is not None
        if found:
            self._touch(key)
        return found

    def gone_reason(self, workspace_id: object) -> str | None:
        """Why the workspace this id named is gone ("expired" or "forgotten"), or None if never known."""
        if not valid_id(workspace_id):
            return None
        with self.database.transaction() as db:
            query = "SELECT reason FROM gone WHERE key = ?"
            row = db.execute(query, (workspace_key(str(workspace_id)),)).fetchone()
        return row[0] if row else None

    def key(self, workspace_id: object) -> str:
        """The key of an existing workspace.

        Raises:
            StoreError: The id is malformed or names no workspace kept here.
        """
        if not valid_id(workspace_id):
            raise StoreError("That workspace id is not valid; reload the page to get a new workspace.")
        key = workspace_key(str(workspace_id))
        with self.database.transaction() as db:
            if db.execute("SELECT 1 FROM workspaces WHERE key = ?", (key,)).fetchone() is None:
                raise StoreError("This workspace no longer exists; reload the page to start a new one.")
        self._touch(key)
        return key

    def folder(self, key: str) -> Path:
        return self.root / "workspaces" / key

    def forget(self, workspace_id: str) -> None:
        """Deletes a workspace and everything in it."""
        self._delete(self.key(workspace_id), "forgotten")

    def expire_idle(self, now: float | None = None) -> int:
        """Deletes the workspaces unused for longer than the expiry; returns how many."""
        cutoff = (now or time.time()) - self.limits.expiry_days * 86400
        with self.database.transaction() as db:
            keys = [row[0] for row in db.execute("SELECT key FROM workspaces WHERE seen < ?", (cutoff,))]
        for key in keys:
            self._delete(key, "expired")
        return len(keys)

    def save_form(self, workspace_id: str, values: dict) -> None:
        """Keeps the Train form's values (plain JSON) for the workspace's next visit."""
        key = self.key(workspace_id)
        with self.database.transaction() as db:
            db.execute("UPDATE workspaces SET form = ? WHERE key = ?", (json.dumps(values), key))

    def load_form(self, workspace_id: str) -> dict | None:
        key = self.key(workspace_id)
        with self.database.transaction() as db:
            row = db.execute("SELECT form FROM workspaces WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def save_notes(self, workspace_id: str, notes: dict) -> None:
        """Keeps small facts about the workspace (the class set it joined, say), as plain JSON."""
        key = self.key(workspace_id)
        with self.database.transaction() as db:
            db.execute("UPDATE workspaces SET notes = ? WHERE key = ?", (json.dumps(notes), key))

    def load_notes(self, workspace_id: str) -> dict:
        key = self.key(workspace_id)
        with self.database.transaction() as db:
            row = db.execute("SELECT notes FROM workspaces WHERE key = ?", (key,)).fetchone()
        notes = json.loads(row[0]) if row and row[0] else {}
        return notes if isinstance(notes, dict) else {}

    def _touch(self, key: str) -> None:
        now = time.time()
        if now - self._seen.get(key, 0.0) >= SEEN_EVERY_S:
            self._seen[key] = now
            with self.database.transaction() as db:
                db.execute("UPDATE workspaces SET seen = ? WHERE key = ?", (now, key))

    def _delete(self, key: str, reason: str) -> None:
        with self.database.transaction() as db:
            db.execute("DELETE FROM workspaces WHERE key = ?", (key,))
            db.execute("INSERT OR REPLACE INTO gone VALUES (?, ?, ?)", (key, reason, time.time()))
        shutil.rmtree(self.folder(key), ignore_errors=True)
        self._seen.pop(key, None)
        for callback in self.on_delete:
            callback(key)

    def _evict_for_room(self) -> None:
        """Keeps at most `max_workspaces`, removing the least recently used idle ones (unused for a day)."""
        with self.database.transaction() as db:
            count = db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0]
            excess = count - self.limits.max_workspaces + 1
            if excess <= 0:
                return
            cutoff = time.time() - IDLE_BEFORE_EVICTION_S
            query = "SELECT key FROM workspaces WHERE seen < ? ORDER BY seen LIMIT ?"
            keys = [row[0] for row in db.execute(query, (cutoff, excess))]
        if len(keys) < excess:
            raise StoreError(
                "This server already keeps as many workspaces as it may (MNIST_MAX_WORKSPACES); "
                "try again later."
            )
        for key in keys:
            self._delete(key, "expired")
