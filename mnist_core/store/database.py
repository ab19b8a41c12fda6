"""The store's SQLite side: the schema, connections, and rebuilding a damaged database from the records.

Only the `store` package uses this; see `store/__init__.py`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from mnist_core.errors import MnistCoreError, StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (key TEXT PRIMARY KEY, created REAL, seen REAL, form TEXT, notes TEXT);
CREATE TABLE IF NOT EXISTS gone (key TEXT PRIMARY KEY, reason TEXT, at REAL);
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY, workspace TEXT REFERENCES workspaces(key) ON DELETE CASCADE,
    name TEXT, origin TEXT, created REAL, bytes INTEGER, info TEXT, UNIQUE (workspace, name));
CREATE TABLE IF NOT EXISTS reports (
    model TEXT REFERENCES models(id) ON DELETE CASCADE, split TEXT, body TEXT, PRIMARY KEY (model, split));
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, workspace TEXT REFERENCES workspaces(key) ON DELETE CASCADE,
    label TEXT, status TEXT, message TEXT, config TEXT, created REAL, model TEXT);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS drawings (
    id TEXT PRIMARY KEY, owner TEXT REFERENCES workspaces(key) ON DELETE CASCADE,
    label INTEGER, created REAL, info TEXT);
CREATE TABLE IF NOT EXISTS classes (key TEXT PRIMARY KEY, teacher TEXT, created REAL, title TEXT);
CREATE TABLE IF NOT EXISTS class_drawings (
    id TEXT PRIMARY KEY, owner TEXT REFERENCES classes(key) ON DELETE CASCADE,
    label INTEGER, created REAL, info TEXT);
"""
MODEL_COLUMNS = ("id", "name", "origin", "created", "bytes", "info")


class Database:
    """The store's SQLite file (WAL mode, foreign keys on), one short connection per transaction.

    Args:
        path: The database file.
        folders: The workspaces' folders, from whose records a damaged database is rebuilt.
    """

    def __init__(self, path: Path, folders: Path):
        self.path, self.folders = path, folders
        self.notices: list[str] = []
        try:
            connection = sqlite3.connect(path, timeout=15)
            try:
                if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("quick_check failed")
                connection.execute("PRAGMA journal_mode = WAL")
                connection.executescript(SCHEMA)
            finally:
                connection.close()
        except sqlite3.DatabaseError:
            self._rebuild()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, committed on success; SQLite errors become StoreError."""
        try:
            connection = sqlite3.connect(self.path, timeout=15)
        except sqlite3.Error as error:
            raise store_error(error, "open the workspace database") from None
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            with connection:
                yield connection
        except sqlite3.Error as error:
            raise store_error(error, "use the workspace database") from None
        finally:
            connection.close()

    def get_meta(self, name: str) -> str | None:
        """A server-wide note (how long the last start took, say)."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def _rebuild(self) -> None:
        broken = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").rename(f"{broken}{suffix}")
        connection = sqlite3.connect(self.path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(SCHEMA)
        recovered = 0
        for folder in self.folders.glob("*/"):
            workspace = read_json(folder / "workspace.json")
            if not workspace or workspace.get("key") != folder.name:
                continue
            created = workspace.get("created", time.time())
            connection.execute(
                "INSERT INTO workspaces VALUES (?, ?, ?, NULL, NULL)", (folder.name, created, time.time())
            )
            for record_path in sorted((folder / "models").glob("*.json")):
                record = read_json(record_path)
                if not record or not (folder / "models" / f"{record.get('id')}.keras").is_file():
                    continue
                values = [record.get(column) for column in MODEL_COLUMNS]
                values[-1] = json.dumps(values[-1] or {})
                connection.execute(
                    "INSERT OR IGNORE INTO models VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (*values[:1], folder.name, *values[1:]),
                )
                recovered += 1
        connection.commit()
        connection.close()
        self.notices.append(
            f"The workspace database was damaged; it was set aside as {broken.name} and rebuilt from "
            f"the model files ({recovered} models recovered; saved Train forms and run records were lost)."
        )


def write_json(path: Path, data: dict) -> None:
    """Writes `data` to `path` atomically (a reader never sees half a file)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)


def read_json(path: Path) -> dict | None:
    """A JSON object from `path`, or None if it is missing, damaged or not an object."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def reported(action: str) -> Iterator[None]:
    """Turns a failing file operation into one StoreError sentence."""
    try:
        yield
    except MnistCoreError:
        raise
    except OSError as error:
        raise store_error(error, action) from None


def store_error(error: Exception, action: str) -> StoreError:
    """One sentence for a failed database or file operation: a full disk, a busy database, or else."""
    text = str(error).lower()
    if getattr(error, "errno", None) == errno.ENOSPC or "full" in text:
        return StoreError(
            f"The server's disk is full, so it could not {action}; nothing you had was lost, "
            "but ask whoever runs the server to free some space."
        )
    if "locked" in text or "busy" in text:
        return StoreError(f"The workspace database is busy, so it could not {action}; try again in a moment.")
    return StoreError(f"The workspace store could not {action} ({type(error).__name__}); try again.")
