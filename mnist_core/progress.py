"""The record of a training run as plain data: status, counters, per-batch and per-epoch history.

A `ProgressRecorder` is written by the training thread (through the Keras
callback in `callbacks.py`) and read by anyone, any time, as a consistent
`JobProgress` snapshot; both sides hold its lock only briefly.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Random guessing scores a loss of ln 10 = 2.3 and training only lowers it, so
# an epoch's running loss above three times that means the run has blown up,
# even while the numbers are still finite.
DIVERGED_LOSS = 3 * math.log(10)
RATE_WINDOW = 20


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"
    DONE = "done"
    FAILED = "failed"
    DIVERGED = "diverged"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.DIVERGED, JobStatus.CANCELLED})


@dataclass(frozen=True)
class JobProgress:
    """A consistent snapshot of a job, safe to keep and chart.

    Attributes:
        status: The job's state.
        message: One sentence for the user about the state.
        epoch: Current epoch, 1-based (0 before training starts).
        epochs: Epochs planned.
        batch: Batches done in the current epoch.
        steps_per_epoch: Batches per epoch.
        elapsed_s: Training time so far (queueing excluded).
        eta_s: Estimated seconds left, or None when unknown.
        samples_per_second: Recent training speed.
        queue_position: 1-based place in the queue while queued.
        batches: Per-batch history: lists under "step", "epoch" (fractional
            epochs done), "loss" and "accuracy" (that batch's own values).
        epochs_history: One dict per epoch with loss, accuracy, val_loss,
            val_accuracy, seconds and whether it was cut short, and with a
            probe image, "probe": its ten probabilities after that epoch.
        first_layer: The first layer's weights as last seen (kept during the
            run only, for the Train page's look inside), or None.
    """

    status: JobStatus
    message: str
    epoch: int
    epochs: int
    batch: int
    steps_per_epoch: int
    elapsed_s: float
    eta_s: float | None
    samples_per_second: float
    queue_position: int | None
    batches: dict[str, list[float]]
    epochs_history: list[dict]
    first_layer: Any = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction_done(self) -> float:
        total = self.epochs * self.steps_per_epoch
        done = max(self.epoch - 1, 0) * self.steps_per_epoch + self.batch
        return 1.0 if self.status == JobStatus.DONE else min(done / total, 1.0) if total else 0.0


class ProgressRecorder:
    """Status, counters and histories of one run, written by the training thread.

    Args:
        epochs: Epochs planned.
        steps_per_epoch: Batches per epoch.
        batch_size: Examples per batch.
        train_examples: Examples per epoch (the last batch may be smaller).
    """

    def __init__(self, epochs: int, steps_per_epoch: int, batch_size: int, train_examples: int):
        self.epochs, self.steps_per_epoch = epochs, steps_per_epoch
        self.batch_size, self.train_examples = batch_size, train_examples
        self._lock = threading.Lock()
        self._status = JobStatus.QUEUED
        self._message = "Waiting to start."
        self._epoch = 0
        self._batch = 0
        self._started_at: float | None = None
        self._finished_at: float | None = None
        self._batch_times: list[float] = []
        self._batches: dict[str, list[float]] = {"step": [], "epoch": [], "loss": [], "accuracy": []}
        self._epochs_history: list[dict] = []
        self._previous_sums = (0.0, 0.0, 0)
        self._first_layer: Any = None

    @property
    def status(self) -> JobStatus:
        with self._lock:
            return self._status

    @property
    def epochs_done(self) -> int:
        with self._lock:
            return len(self._epochs_history)

    def set_status(self, status: JobStatus, message: str, *, only_from: JobStatus | None = None) -> bool:
        """Moves to `status` with `message` (only from status `only_from`, if given); True if it moved."""
        with self._lock:
            if only_from is not None and self._status != only_from:
                return False
            self._status, self._message = status, message
            if status in FINISHED:
                self._finished_at = self._finished_at or time.monotonic()
            return True

    def training_started(self) -> None:
        with self._lock:
            self._started_at = time.monotonic()

    def training_ended(self) -> None:
        with self._lock:
            self._finished_at = time.monotonic()

    def epoch_began(self, epoch: int) -> None:
        """Called with Keras's 0-based epoch."""
        with self._lock:
            self._epoch, self._batch = epoch + 1, 0
            self._previous_sums = (0.0, 0.0, 0)
            if self._status == JobStatus.RUNNING:
                self._message = f"Training epoch {epoch + 1} of {self.epochs}."

    def batch_ended(self, batch: int, loss: float, accuracy: float, learning_rate: float) -> bool:
        """Records a batch from Keras's running means; True when the loss has blown up (status DIVERGED)."""
        seen = min((batch + 1) * self.batch_size, self.train_examples)
        with self._lock:
            # Keras reports running means over the epoch; recover this batch's own values.
            loss_sum, accuracy_sum, seen_before = self._previous_sums
            size = max(seen - seen_before, 1)
            self._previous_sums = (loss * seen, accuracy * seen, seen)
            self._batch = batch + 1
            step = (self._epoch - 1) * self.steps_per_epoch + batch + 1
            self._batches["step"].append(step)
            self._batches["epoch"].append(step / self.steps_per_epoch)
            self._batches["loss"].append((loss * seen - loss_sum) / size)
            self._batches["accuracy"].append((accuracy * seen - accuracy_sum) / size)
            self._batch_times.append(time.monotonic())
            del self._batch_times[:-RATE_WINDOW]
            if math.isfinite(loss) and loss <= DIVERGED_LOSS:
                return False
            self._status = JobStatus.DIVERGED
            self._message = (
                f"The loss blew up (reached {loss:.3g}) at epoch {self._epoch}, batch {batch + 1}: the "
                f"learning rate {learning_rate:g} is too high. Try {learning_rate / 10:g} or lower; your "
                "other models are untouched."
            )
            return True

    def weights_seen(self, first_layer: Any) -> None:
        """Keeps the first layer's latest weights (an array), replacing the ones before."""
        with self._lock:
            self._first_layer = first_layer

    def epoch_ended(self, epoch: int, logs: dict, probe: list[float] | None = None) -> dict:
        """Records an epoch's scores (and the probe image's probabilities); returns a copy of its row."""
        with self._lock:
            started = self._epochs_history[-1]["ended_at"] if self._epochs_history else self._started_at
            now = time.monotonic()
            row = {
                "epoch": epoch + 1,
                "loss": logs.get("loss"),
                "accuracy": logs.get("accuracy"),
                "val_loss": logs.get("val_loss"),
                "val_accuracy": logs.get("val_accuracy"),
                "seconds": now - (started or now),
                "ended_at": now,
                "partial": self._batch < self.steps_per_epoch,
            }
            if probe is not None:
                row["probe"] = probe
            self._epochs_history.append(row)
            return dict(row)

    def snapshot(self, queue_position: int | None = None) -> JobProgress:
        """A consistent `JobProgress`; `queue_position` replaces the message while queued."""
        with self._lock:
            now = self._finished_at or time.monotonic()
            elapsed = now - self._started_at if self._started_at else 0.0
            rate = self._rate()
            done_steps = max(self._epoch - 1, 0) * self.steps_per_epoch + self._batch
            left = self.epochs * self.steps_per_epoch - done_steps
            eta = left * self.batch_size / rate if rate and self._status == JobStatus.RUNNING else None
            queued = self._status == JobStatus.QUEUED and queue_position is not None
            return JobProgress(
                status=self._status,
                message=f"Queued: position {queue_position}." if queued else self._message,
                epoch=self._epoch,
                epochs=self.epochs,
                batch=self._batch,
                steps_per_epoch=self.steps_per_epoch,
                elapsed_s=elapsed,
                eta_s=eta,
                samples_per_second=rate,
                queue_position=queue_position if queued else None,
                batches={key: list(values) for key, values in self._batches.items()},
                epochs_history=[dict(row) for row in self._epochs_history],
                first_layer=None if self._status in FINISHED else self._first_layer,
            )

    def _rate(self) -> float:
        times = self._batch_times
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) * self.batch_size / max(times[-1] - times[0], 1e-9)


def done_message(stop_reason: str, progress: JobProgress, test_accuracy: float) -> str:
    """The sentence a finished run ends with: why it stopped, how long it took, its test accuracy."""
    where = f"epoch {progress.epoch}, batch {progress.batch}"
    reasons = {
        "completed": f"Finished {progress.epochs} epochs",
        "stopped": f"Stopped by you at {where}; the model keeps what it learned so far",
        "abandoned": f"Stopped at {where} because its page was closed",
        "early_stopping": f"Stopped early at epoch {progress.epoch} as validation loss stopped improving "
        "(best weights kept)",
        "target": f"Reached the target validation accuracy at epoch {progress.epoch}",
    }
    reason = reasons.get(stop_reason, "Finished")
    return f"{reason} in {progress.elapsed_s:.1f} s. Test accuracy {test_accuracy:.2%}."
