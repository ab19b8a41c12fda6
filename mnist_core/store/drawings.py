"""Drawings a workspace (or a class set) keeps: the picture as drawn, the 28x28 the model saw, the digit.

Each drawing is two PNG files (the canvas or imported picture, and the 28x28
grey image) in a folder of its owner, indexed in the database with its label
and what the models said about it. The same code serves a workspace's own
drawings and a class set's shared ones: only the owner (folder, table column)
differs.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mnist_core.errors import StoreError
from mnist_core.store.database import Database, reported

DRAWING_ID = 32


@dataclass(frozen=True)
class DrawingRecord:
    """One kept drawing: its id, digit, when it was kept and what is known about it (predictions)."""

    id: str
    label: int
    created: float
    info: dict[str, Any]


class DrawingFiles:
    """The drawings of one kind of owner: `table` rows keyed by `owner` column, files in `folder(owner)`.

    Args:
        database: The store's database.
        table: "drawings" (workspaces) or "class_drawings" (class sets).
        folder: Where an owner's drawing files go, given the owner's key.
    """

    def __init__(self, database: Database, table: str, folder):
        self.database, self.table, self.folder = database, table, folder

    def add(
        self, owner: str, label: int, picture: bytes, image: np.ndarray, info: dict, limit: int
    ) -> DrawingRecord:
        """Keeps a drawing; `picture` is its PNG, `image` the (28, 28) float or uint8 image the model saw.

        Raises:
            StoreError: The label is not a digit, the owner holds `limit` drawings, or the disk is full.
        """
        if not isinstance(label, (int, np.integer)) or not 0 <= int(label) <= 9:
            raise StoreError(f"A drawing's digit must be 0 to 9, not {str(label)[:20]!r}.")
        if self.count(owner) >= limit:
            raise StoreError(
                f"{limit} drawings are kept here, the most this server keeps; delete some before adding more."
            )
        record = DrawingRecord(uuid.uuid4().hex, int(label), time.time(), info)
        folder = self.folder(owner)
        with reported("keep the drawing"):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{record.id}.png").write_bytes(picture)
            (folder / f"{record.id}.28.png").write_bytes(_grey_png(image))
            with self.database.transaction() as db:
                db.execute(
                    f"INSERT INTO {self.table} VALUES (?, ?, ?, ?, ?)",
                    (record.id, owner, record.label, record.created, json.dumps(info)),
                )
        return record

    def records(self, owner: str) -> list[DrawingRecord]:
        """The owner's drawings, oldest first."""
        query = f"SELECT id, label, created, info FROM {self.table} WHERE owner = ? ORDER BY created"
        with self.database.transaction() as db:
            rows = db.execute(query, (owner,)).fetchall()
        return [DrawingRecord(row[0], row[1], row[2], json.loads(row[3])) for row in rows]

    def count(self, owner: str) -> int:
        with self.database.transaction() as db:
            return db.execute(f"SELECT COUNT(*) FROM {self.table} WHERE owner = ?", (owner,)).fetchone()[0]

    def images(self, owner: str, records: list[DrawingRecord] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(N, 28, 28) uint8 images and (N,) labels of the owner's drawings (or of `records`)."""
        records = self.records(owner) if records is None else records
        folder = self.folder(owner)
        images = np.zeros((len(records), 28, 28), np.uint8)
        with reported("read the drawings"):
            for index, record in enumerate(records):
                with Image.open(folder / f"{_checked(record.id)}.28.png") as image:
                    images[index] = np.asarray(image.convert("L"))
        return images, np.array([record.label for record in records], np.uint8)

    def picture(self, owner: str, drawing_id: str) -> bytes:
        """The drawing's PNG as it was drawn or imported."""
        with reported("read the drawing"):
            return (self.folder(owner) / f"{_checked(drawing_id)}.png").read_bytes()

    def delete(self, owner: str, drawing_id: str) -> None:
        with self.database.transaction() as db:
            db.execute(f"DELETE FROM {self.table} WHERE id = ? AND owner = ?", (_checked(drawing_id), owner))
        for suffix in (".png", ".28.png"):
            with contextlib.suppress(OSError):
                (self.folder(owner) / f"{drawing_id}{suffix}").unlink()

    def relabel(self, owner: str, drawing_id: str, label: int) -> None:
        """Changes a kept drawing's digit (a correction)."""
        if not 0 <= int(label) <= 9:
            raise StoreError(f"A drawing's digit must be 0 to 9, not {label}.")
        with self.database.transaction() as db:
            query = f"UPDATE {self.table} SET label = ? WHERE id = ? AND owner = ?"
            db.execute(query, (int(label), _checked(drawing_id), owner))


def _checked(drawing_id: str) -> str:
    if not isinstance(drawing_id, str) or len(drawing_id) != DRAWING_ID or not drawing_id.isalnum():
        raise StoreError("There is no such drawing here.")
    return drawing_id


def _grey_png(image: np.ndarray) -> bytes:
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        pixels = np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)
    if pixels.shape != (28, 28):
        raise StoreError(f"A drawing's model view must be 28x28, not {pixels.shape}.")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def folder_of(root: Path, kind: str):
    """The folder function for `DrawingFiles`: `root/<kind>/<owner key>/drawings`."""
    return lambda owner: root / kind / owner / "drawings"


class WorkspaceDrawings:
    """A workspace's own drawings (see `DrawingFiles`), addressed by workspace id, within its limit."""

    def __init__(self, workspaces, limit: int):
        self.workspaces, self.limit = workspaces, limit
        self.files = DrawingFiles(workspaces.database, "drawings", folder_of(workspaces.root, "workspaces"))

    def add(
        self, workspace_id: str, label: int, picture: bytes, image: np.ndarray, info: dict
    ) -> DrawingRecord:
        return self.files.add(self.workspaces.key(workspace_id), label, picture, image, info, self.limit)

    def records(self, workspace_id: str) -> list[DrawingRecord]:
        return self.files.records(self.workspaces.key(workspace_id))

    def images(
        self, workspace_id: str, records: list[DrawingRecord] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.files.images(self.workspaces.key(workspace_id), records)

    def picture(self, workspace_id: str, drawing_id: str) -> bytes:
        return self.files.picture(self.workspaces.key(workspace_id), drawing_id)

    def delete(self, workspace_id: str, drawing_id: str) -> None:
        self.files.delete(self.workspaces.key(workspace_id), drawing_id)

    def relabel(self, workspace_id: str, drawing_id: str, label: int) -> None:
        self.files.relabel(self.workspaces.key(workspace_id), drawing_id, label)
