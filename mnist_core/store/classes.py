"""Class sets: drawings a class pools, behind a short class code and a separate teacher secret.

"Start a class set" makes two links: the student link `?class=CODE` and the
teacher link `?class=CODE&teacher=SECRET`. Anyone with the code can add
drawings from their own workspace (copies: nothing else of theirs is shared),
test any model on the set and teach a model on it; only the teacher secret
deletes drawings or closes the set. The store keeps only hashes of both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_core.errors import StoreError
from mnist_core.store.drawings import DrawingFiles, DrawingRecord, folder_of
from mnist_core.store.workspaces import Workspaces, valid_id

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # No 0/o, 1/l/i: easy to read out loud.
CODE_LENGTH = 10  # About 50 bits: not guessable over the network.
CODE_PATTERN = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


@dataclass(frozen=True)
class ClassLinks:
    """What "Start a class set" hands the teacher: the code for students and the teacher's secret."""

    code: str
    teacher: str


@dataclass(frozen=True)
class ClassLimits:
    max_drawings: int = 3000
    per_student: int = 300


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


class ClassSets:
    """The class sets kept in `root/classes/`."""

    def __init__(self, root: Path, workspaces: Workspaces, limits: ClassLimits | None = None):
        self.root, self.workspaces = root, workspaces
        self.database = workspaces.database
        self.limits = limits or ClassLimits()
        self.drawings = DrawingFiles(self.database, "class_drawings", folder_of(root, "classes"))

    def create(self, title: str = "") -> ClassLinks:
        """Starts a class set; returns its code and the teacher's secret (shown once, never stored)."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        teacher = secrets.token_urlsafe(24)
        with self.database.transaction() as db:
            db.execute(
                "INSERT INTO classes VALUES (?, ?, ?, ?)",
                (_hash(code), _hash(teacher), time.time(), title[:80]),
            )
        return ClassLinks(code, teacher)

    def exists(self, code: object) -> bool:
        """Whether `code` names an open class set (a wrong or malformed code finds nothing)."""
        if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
            return False
        with self.database.transaction() as db:
            return db.execute("SELECT 1 FROM classes WHERE key = ?", (_hash(code),)).fetchone() is not None

    def is_teacher(self, code: str, teacher: object) -> bool:
        """Whether `teacher` is the set's teacher secret."""
        if not isinstance(teacher, str) or not self.exists(code):
            return False
        with self.database.transaction() as db:
            stored = db.execute("SELECT teacher FROM classes WHERE key = ?", (_hash(code),)).fetchone()[0]
        return hmac.compare_digest(stored, _hash(teacher))

    def add(
        self, code: str, workspace_id: str, picture: bytes, image: np.ndarray, label: int, info: dict
    ) -> None:
        """Copies one of a student's drawings into the class set.

        Raises:
            StoreError: No such class set, the set or this student's share of it is full, or a bad drawing.
        """
        key = self._key(code)
        if not valid_id(workspace_id):
            raise StoreError("That workspace id is not valid; reload the page.")
        student = _hash(workspace_id)
        mine = sum(record.info.get("student") == student for record in self.drawings.records(key))
        if mine >= self.limits.per_student:
            raise StoreError(f"You have added {mine} drawings to this class set, the most one student may.")
        self.drawings.add(key, label, picture, image, {**info, "student": student}, self.limits.max_drawings)

    def records(self, code: str) -> list[DrawingRecord]:
        return self.drawings.records(self._key(code))

    def images(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        return self.drawings.images(self._key(code))

    def picture(self, code: str, drawing_id: str) -> bytes:
        return self.drawings.picture(self._key(code), drawing_id)

    def delete(self, code: str, teacher: str, drawing_id: str) -> None:
        """Deletes one drawing; only with the teacher secret."""
        self._check_teacher(code, teacher)
        self.drawings.delete(self._key(code), drawing_id)

    def close(self, code: str, teacher: str) -> None:
        """Deletes the whole class set; only with the teacher secret."""
        self._check_teacher(code, teacher)
        key = self._key(code)
        with self.database.transaction() as db:
            db.execute("DELETE FROM classes WHERE key = ?", (key,))
        shutil.rmtree(self.root / "classes" / key, ignore_errors=True)

    def _check_teacher(self, code: str, teacher: str) -> None:
        if not self.is_teacher(code, teacher):
            raise StoreError("Only the teacher's link can delete drawings or close this class set.")

    def _key(self, code: str) -> str:
        if not self.exists(code):
            raise StoreError("There is no open class set with that code; check the link with your teacher.")
        return _hash(code)
