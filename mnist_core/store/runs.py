"""The training runs of each workspace, remembered so a restart can say which ones it interrupted."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from mnist_core.store.workspaces import Workspaces

INTERRUPTED = "The server restarted during this run, so it stopped before the end; start it again."
UNFINISHED = ("queued", "running")


@dataclass(frozen=True)
class RunRecord:
    """A training run as the database remembers it: it outlives the process that trained it."""

    id: str
    label: str
    status: str
    message: str
    config: dict[str, Any]
    model_id: str | None


class Runs:
    """Run records: queued or running while a job goes, then how it ended; "interrupted" after a restart."""

    def __init__(self, workspaces: Workspaces):
        self.workspaces, self.database = workspaces, workspaces.database
        with self.database.transaction() as db:
            query = "UPDATE runs SET status = 'interrupted', message = ? WHERE status IN (?, ?)"
            db.execute(query, (INTERRUPTED, *UNFINISHED))

    def record(self, workspace_id: str, label: str, config: dict) -> str:
        """Remembers a new run as queued; returns its id."""
        key, run_id = self.workspaces.key(workspace_id), uuid.uuid4().hex
        with self.database.transaction() as db:
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, 'queued', '', ?, ?, NULL)",
                (run_id, key, label, json.dumps(config), time.time()),
            )
        return run_id

    def update(
        self, workspace_id: str, run_id: str, status: str, message: str, model_id: str | None = None
    ) -> None:
        key = self.workspaces.key(workspace_id)
        with self.database.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, message = ?, model = ? WHERE id = ? AND workspace = ?",
                (status, message, model_id, run_id, key),
            )

    def list(self, workspace_id: str) -> list[RunRecord]:
        """The workspace's runs, oldest first."""
        key = self.workspaces.key(workspace_id)
        query = "SELECT id, label, status, message, config, model FROM runs WHERE workspace = ?"
        with self.database.transaction() as db:
            rows = db.execute(query + " ORDER BY created", (key,)).fetchall()
        return [RunRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5]) for row in rows]
