"""A process-wide, first-come-first-served limit on trainings running at once."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable


class TrainingLimiter:
    """Lets at most `max_running` holders run; the rest wait in FIFO order.

    Thread-safe. A job calls `enqueue`, then `wait_turn` (which returns once
    the ticket reaches a free slot, or False if the job gave up), and always
    `release` at the end, whether it ran or not.
    """

    def __init__(self, max_running: int):
        if max_running < 1:
            raise ValueError(f"max_running={max_running} must be at least 1.")
        self.max_running = max_running
        self._condition = threading.Condition()
        self._waiting: list[int] = []
        self._running: set[int] = set()
        self._tickets = itertools.count(1)

    def enqueue(self) -> int:
        """Joins the back of the queue; returns the ticket."""
        with self._condition:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            self._condition.notify_all()
            return ticket

    def wait_turn(self, ticket: int, give_up: Callable[[], bool], poll_s: float = 0.25) -> bool:
        """Blocks until `ticket` may run; True then, False if `give_up()` said so.

        `give_up` is polled every `poll_s` seconds, so a stopped or abandoned
        job leaves the queue promptly.
        """
        with self._condition:
            while True:
                if give_up():
                    self._drop(ticket)
                    return False
                if self._waiting and self._waiting[0] == ticket and len(self._running) < self.max_running:
                    self._waiting.pop(0)
                    self._running.add(ticket)
                    self._condition.notify_all()
                    return True
                self._condition.wait(poll_s)

    def release(self, ticket: int) -> None:
        """Frees the ticket's slot or queue place (safe to call twice)."""
        with self._condition:
            self._drop(ticket)

    def position(self, ticket: int) -> int | None:
        """1-based place in the queue; None once running or gone."""
        with self._condition:
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else None

    def counts(self) -> tuple[int, int]:
        """(running, waiting)."""
        with self._condition:
            return len(self._running), len(self._waiting)

    def _drop(self, ticket: int) -> None:
        self._running.discard(ticket)
        if ticket in self._waiting:
            self._waiting.remove(ticket)
        self._condition.notify_all()
