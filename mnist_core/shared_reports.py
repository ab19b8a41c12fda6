"""Reports on the default models, scored once per server and shared by every session.

Scoring the default CNN on the 10,000 test digits takes seconds of both cores;
thirty students opening the Errors page must not pay for it thirty times. The
first session to ask scores it; the others asking meanwhile wait for that one
result instead of starting their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from mnist_core.evaluation import EvaluationReport


class SharedReports:
    """Reports by key, each computed once however many threads ask for it at the same time."""

    def __init__(self) -> None:
        self._reports: dict[Hashable, EvaluationReport] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, score: Callable[[], EvaluationReport]) -> EvaluationReport:
        """The report kept under `key`, made by `score()` if no thread has made it yet.

        A `score()` that raises leaves nothing kept, so the next request tries again.
        """
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._reports:
                self._reports[key] = score()
            return self._reports[key]

    def known(self, key: Hashable) -> bool:
        """Whether the report under `key` is ready (asking for it would not wait)."""
        return key in self._reports
