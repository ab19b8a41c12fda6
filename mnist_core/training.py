"""Training as a job: `model.fit` in a worker thread, progress as plain data.

A page starts a `TrainingJob`, then reads `job.progress()` whenever it likes
(every second, say); the worker never touches UI code. `stop()` ends training
at the next batch boundary and keeps the weights learned so far.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from mnist_core.config import TrainingConfig
from mnist_core.data import DataSplits
from mnist_core.errors import ConfigError, JobError
from mnist_core.limiter import TrainingLimiter
from mnist_core.models import build_model, count_params, inference_copy
from mnist_core.pipeline import make_dataset, steps_per_epoch
from mnist_core.runtime import lower_training_priority

# Random guessing scores a loss of ln 10 = 2.3 and training only lowers it, so
# an epoch's running loss above three times that means the run has blown up,
# even while the numbers are still finite.
DIVERGED_LOSS = 3 * math.log(10)
RATE_WINDOW = 20
VALIDATION_BATCH = 1000
OWNER_CHECK_S = 1.0


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
            val_accuracy, seconds and whether it was cut short.
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

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction_done(self) -> float:
        total = self.epochs * self.steps_per_epoch
        done = max(self.epoch - 1, 0) * self.steps_per_epoch + self.batch
        return 1.0 if self.status == JobStatus.DONE else min(done / total, 1.0) if total else 0.0


@dataclass
class TrainingResult:
    """What a finished (or stopped) run produced.

    `model` is an inference copy (weights only, see `models.inference_copy`);
    `replicas` is how many devices trained it in parallel.
    """

    model: object
    config: TrainingConfig
    test_accuracy: float
    test_loss: float
    seconds: float
    params: int
    stop_reason: str
    replicas: int
    progress: JobProgress = field(repr=False)


class TrainingJob:
    """Trains one model from a configuration, in a thread or synchronously.

    Args:
        config: What to train.
        splits: Train/validation/test arrays (uint8, shared, not copied).
        limiter: Process-wide limit on parallel trainings; None runs at once.
        owner_alive: Called about once a second; when it has returned False
            for `abandon_after_s`, the job stops (or leaves the queue), so a
            closed browser tab frees its place.
        abandon_after_s: Grace period for `owner_alive`.
        on_epoch: Called on the worker thread with each epoch's history row
            (for command-line progress).

    Raises:
        ConfigError: The batch size exceeds the training examples.
    """

    def __init__(
        self,
        config: TrainingConfig,
        splits: DataSplits,
        *,
        limiter: TrainingLimiter | None = None,
        owner_alive: Callable[[], bool] | None = None,
        abandon_after_s: float = 120.0,
        on_epoch: Callable[[dict], None] | None = None,
    ):
        train_examples = len(splits.y_train)
        if config.batch_size > train_examples:
            raise ConfigError(
                f"batch_size={config.batch_size} is larger than the {train_examples:,} training examples; "
                f"choose at most {train_examples:,}."
            )
        self.config = config
        self.splits = splits
        self._limiter = limiter
        self._owner_alive = owner_alive
        self._abandon_after_s = abandon_after_s
        self._on_epoch = on_epoch
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop_requested = threading.Event()
        self._finished = threading.Event()
        self._ticket: int | None = None
        self._model = None
        self._result: TrainingResult | None = None
        self._status = JobStatus.QUEUED
        self._message = "Waiting to start."
        self._stop_reason = "completed"
        self._steps = steps_per_epoch(train_examples, config.batch_size)
        self._epoch = 0
        self._batch = 0
        self._started_at: float | None = None
        self._finished_at: float | None = None
        self._batch_times: list[float] = []
        self._batches: dict[str, list[float]] = {"step": [], "epoch": [], "loss": [], "accuracy": []}
        self._epochs_history: list[dict] = []
        self._previous_sums = (0.0, 0.0, 0)
        self._owner_last_seen = time.monotonic()
        self._owner_checked = 0.0

    # Control -----------------------------------------------------------------

    def start(self) -> None:
        """Starts training in a daemon thread; returns at once.

        Raises:
            JobError: The job was already started.
        """
        with self._lock:
            if self._thread is not None or self._finished.is_set():
                raise JobError("This training job has already been started; create a new job to train again.")
            self._enqueue()
            self._thread = threading.Thread(target=self._execute, name="training-job", daemon=True)
            self._thread.start()

    def run(self) -> TrainingResult | None:
        """Trains in the calling thread; returns the result (None if cancelled or failed).

        Raises:
            JobError: The job was already started.
        """
        with self._lock:
            if self._thread is not None or self._finished.is_set():
                raise JobError("This training job has already been started; create a new job to train again.")
            self._thread = threading.current_thread()
            self._enqueue()
        self._execute()
        return self._result

    def stop(self) -> None:
        """Ends training at the next batch boundary, keeping the weights.

        A queued job leaves the queue. Calling it again, or after the end,
        does nothing.
        """
        self._stop_requested.set()
        with self._lock:
            if self._status not in FINISHED:
                self._stop_reason = "stopped"
            if self._status == JobStatus.RUNNING:
                self._status = JobStatus.STOPPING
                self._message = "Stopping at the end of this batch…"
            if self._model is not None:
                self._model.stop_training = True

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for the job to finish; True if it has."""
        return self._finished.wait(timeout)

    @property
    def result(self) -> TrainingResult | None:
        """The trained model and its scores, once the job is done."""
        return self._result

    def progress(self) -> JobProgress:
        """A snapshot of the job's state and history."""
        with self._lock:
            now = self._finished_at or time.monotonic()
            elapsed = now - self._started_at if self._started_at else 0.0
            rate = self._rate()
            done_steps = max(self._epoch - 1, 0) * self._steps + self._batch
            left = self.config.epochs * self._steps - done_steps
            eta = left * self.config.batch_size / rate if rate and self._status == JobStatus.RUNNING else None
            position = None
            if self._status == JobStatus.QUEUED and self._limiter is not None and self._ticket is not None:
                position = self._limiter.position(self._ticket)
            return JobProgress(
                status=self._status,
                message=self._message if position is None else f"Queued: position {position}.",
                epoch=self._epoch,
                epochs=self.config.epochs,
                batch=self._batch,
                steps_per_epoch=self._steps,
                elapsed_s=elapsed,
                eta_s=eta,
                samples_per_second=rate,
                queue_position=position,
                batches={key: list(values) for key, values in self._batches.items()},
                epochs_history=[dict(row) for row in self._epochs_history],
            )

    # Worker ------------------------------------------------------------------

    def _enqueue(self) -> None:
        if self._limiter is not None:
            self._ticket = self._limiter.enqueue()

    def _give_up(self) -> bool:
        return self._stop_requested.is_set() or self._owner_gone()

    def _owner_gone(self) -> bool:
        if self._owner_alive is None:
            return False
        now = time.monotonic()
        if now - self._owner_checked >= OWNER_CHECK_S:
            self._owner_checked = now
            if self._owner_alive():
                self._owner_last_seen = now
        return now - self._owner_last_seen > self._abandon_after_s

    def _execute(self) -> None:
        try:
            if self._limiter is not None and not self._limiter.wait_turn(self._ticket, self._give_up):
                reason = "its page was closed" if self._owner_gone() else "you stopped it"
                self._finish(JobStatus.CANCELLED, f"Left the queue before starting because {reason}.")
                return
            self._train()
        except Exception as error:  # noqa: BLE001 - reported to the user, never lost silently.
            self._finish(JobStatus.FAILED, f"Training failed: {type(error).__name__}: {error}")
        finally:
            if self._limiter is not None and self._ticket is not None:
                self._limiter.release(self._ticket)
            self._finished.set()

    def _train(self) -> None:
        from mnist_core.evaluation import evaluate_model
        from mnist_core.runtime import distribution_strategy, tensorflow

        with self._lock:
            self._status = JobStatus.STOPPING if self._stop_requested.is_set() else JobStatus.RUNNING
            self._message = "Loading TensorFlow and building the model…"
        tensorflow()
        import keras

        with self._lock:
            self._started_at = time.monotonic()

        keras.utils.set_random_seed(self.config.seed)
        splits = self.splits
        with distribution_strategy().scope():
            model = build_model(self.config, steps_per_epoch=self._steps)
        with self._lock:
            self._model = model
        train = make_dataset(
            splits.x_train,
            splits.y_train,
            self.config.batch_size,
            shuffle=True,
            seed=self.config.seed,
            augment=self.config.augment,
        )
        validation = None
        if len(splits.y_val):
            validation = make_dataset(splits.x_val, splits.y_val, VALIDATION_BATCH)
        callbacks = [_progress_callback(self)]
        if self.config.early_stopping_patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if validation is not None else "loss",
                    patience=self.config.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        model.fit(
            train,
            epochs=self.config.epochs,
            validation_data=validation,
            callbacks=callbacks,
            verbose=0,
            shuffle=False,  # The dataset reshuffles itself every epoch.
        )
        with self._lock:
            self._finished_at = time.monotonic()
            diverged = self._status == JobStatus.DIVERGED
            if self._stop_reason == "completed" and len(self._epochs_history) < self.config.epochs:
                self._stop_reason = "early_stopping"
        if diverged:
            with self._lock:
                self._model = None
            self._finish(JobStatus.DIVERGED, self._message)
            return
        replicas = model.distribute_strategy.num_replicas_in_sync
        model = inference_copy(model)
        with self._lock:
            self._model = None
        report = evaluate_model(model, splits.x_test, splits.y_test)
        test_accuracy, test_loss = report.accuracy, report.loss
        progress = self.progress()
        self._result = TrainingResult(
            model=model,
            config=self.config,
            test_accuracy=test_accuracy,
            test_loss=test_loss,
            seconds=progress.elapsed_s,
            params=count_params(self.config.model),
            stop_reason=self._stop_reason,
            replicas=replicas,
            progress=progress,
        )
        self._finish(JobStatus.DONE, _done_message(self._stop_reason, progress, test_accuracy))

    def _finish(self, status: JobStatus, message: str) -> None:
        with self._lock:
            self._status = status
            self._message = message
            self._finished_at = self._finished_at or time.monotonic()
        if self._result is not None:
            self._result.progress = self.progress()

    def _rate(self) -> float:
        times = self._batch_times
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) * self.config.batch_size / max(times[-1] - times[0], 1e-9)

    # Called by the Keras callback, on the worker thread.

    def _on_epoch_begin(self, epoch: int) -> None:
        # TensorFlow starts its compute threads lazily; by now they exist.
        lower_training_priority()
        with self._lock:
            self._epoch = epoch + 1
            self._batch = 0
            self._previous_sums = (0.0, 0.0, 0)
            if self._status == JobStatus.RUNNING:
                self._message = f"Training epoch {epoch + 1} of {self.config.epochs}."

    def _on_batch_end(self, model, batch: int, logs: dict) -> None:
        loss, accuracy = logs.get("loss", math.nan), logs.get("accuracy", math.nan)
        examples = len(self.splits.y_train)
        seen = min((batch + 1) * self.config.batch_size, examples)
        with self._lock:
            # Keras reports running means over the epoch; recover this batch's own values.
            loss_sum, accuracy_sum, seen_before = self._previous_sums
            size = max(seen - seen_before, 1)
            batch_loss = (loss * seen - loss_sum) / size
            batch_accuracy = (accuracy * seen - accuracy_sum) / size
            self._previous_sums = (loss * seen, accuracy * seen, seen)
            self._batch = batch + 1
            step = (self._epoch - 1) * self._steps + batch + 1
            self._batches["step"].append(step)
            self._batches["epoch"].append(step / self._steps)
            self._batches["loss"].append(batch_loss)
            self._batches["accuracy"].append(batch_accuracy)
            self._batch_times.append(time.monotonic())
            del self._batch_times[:-RATE_WINDOW]
            if self._is_diverging(loss):
                self._status = JobStatus.DIVERGED
                self._message = (
                    f"The loss blew up (reached {loss:.3g}) at epoch {self._epoch}, batch {batch + 1}: the "
                    f"learning rate {self.config.learning_rate:g} is too high. Try "
                    f"{self.config.learning_rate / 10:g} or lower; your other models are untouched."
                )
                model.stop_training = True
        if self._stop_requested.is_set() or self._owner_gone():
            if self._owner_gone():
                with self._lock:
                    self._stop_reason = "abandoned"
            model.stop_training = True

    @staticmethod
    def _is_diverging(running_loss: float) -> bool:
        return not math.isfinite(running_loss) or running_loss > DIVERGED_LOSS

    def _on_epoch_end(self, model, epoch: int, logs: dict) -> None:
        with self._lock:
            started = self._epochs_history[-1]["ended_at"] if self._epochs_history else self._started_at
            now = time.monotonic()
            row = {
                "epoch": epoch + 1,
                "loss": logs.get("loss"),
                "accuracy": logs.get("accuracy"),
                "val_loss": logs.get("val_loss"),
                "val_accuracy": logs.get("val_accuracy"),
                "seconds": now - started,
                "ended_at": now,
                "partial": self._batch < self._steps,
            }
            self._epochs_history.append(row)
            target = self.config.target_val_accuracy
            if target is not None and (row["val_accuracy"] or 0.0) >= target:
                self._stop_reason = "target"
                model.stop_training = True
        if self._on_epoch is not None:
            self._on_epoch(dict(row))


def _progress_callback(job: TrainingJob):
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        """Feeds Keras's per-batch and per-epoch logs into the job."""

        def on_train_begin(self, logs=None):
            # fit() clears stop_training on entry; honour a stop() that came earlier.
            if job._stop_requested.is_set():
                self.model.stop_training = True

        def on_epoch_begin(self, epoch, logs=None):
            job._on_epoch_begin(epoch)

        def on_train_batch_end(self, batch, logs=None):
            job._on_batch_end(self.model, batch, logs or {})

        def on_epoch_end(self, epoch, logs=None):
            job._on_epoch_end(self.model, epoch, logs or {})

    return ProgressCallback()


def _done_message(stop_reason: str, progress: JobProgress, test_accuracy: float) -> str:
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
