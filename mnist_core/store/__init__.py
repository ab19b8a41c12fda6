"""The workspace store: what each browser makes, kept server-side across reloads, reconnects and restarts.

SQLite (WAL mode) holds the metadata; model files live in a data folder
beside it, each with a JSON record from which a damaged database is rebuilt.
This package is the only code that touches either. A workspace is addressed by
its id, a secret the browser keeps; the store keeps only the id's SHA-256, so
neither the database nor the folder names reveal an id, and ids cannot be listed.

    store = WorkspaceStore(Path("~/.local/share/mnist-playground"))
    workspace_id = store.workspaces.create()
    record = store.models.add(workspace_id, "Run 1 · fast-cnn", "trained", model, info)
"""

from __future__ import annotations

from pathlib import Path

from mnist_core.store.classes import ClassLimits, ClassLinks, ClassSets
from mnist_core.store.database import Database
from mnist_core.store.drawings import DrawingRecord, WorkspaceDrawings
from mnist_core.store.models import ModelRecord, Models
from mnist_core.store.runs import RunRecord, Runs
from mnist_core.store.workspaces import ID_PATTERN, StoreLimits, Workspaces, new_workspace_id

__all__ = [
    "ID_PATTERN",
    "ClassLimits",
    "ClassLinks",
    "DrawingRecord",
    "ModelRecord",
    "RunRecord",
    "StoreLimits",
    "WorkspaceStore",
    "new_workspace_id",
]


class WorkspaceStore:
    """Workspaces (models, reports, runs, Train form, drawings) and class sets, in the folder `root`.

    Args:
        root: The data folder (created if missing); `MNIST_WORKSPACE_DIR`.
        limits: Per-workspace caps and expiry.
        class_limits: Caps of a class set.

    Raises:
        StoreError: The folder cannot be created or written.
    """

    def __init__(
        self, root: Path, limits: StoreLimits | None = None, class_limits: ClassLimits | None = None
    ):
        self.root = Path(root).expanduser()
        self.limits = limits or StoreLimits()
        self.workspaces = Workspaces(self.root, self.limits)
        self.database: Database = self.workspaces.database
        self.models = Models(self.workspaces)
        self.runs = Runs(self.workspaces)
        self.drawings = WorkspaceDrawings(self.workspaces, self.limits.max_drawings)
        self.classes = ClassSets(self.root, self.workspaces, class_limits)
        self.workspaces.on_delete.append(self.models.forget_workspace)
        self.workspaces.expire_idle()

    @property
    def notices(self) -> list[str]:
        """Things the server's operator should know (a database rebuilt after damage)."""
        return self.database.notices
