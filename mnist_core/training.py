"""Training as a job: `model.fit` in a worker thread, progress as plain data.

A page starts a `TrainingJob`, then reads `job.progress()` whenever it likes
(every second, say); the worker never touches UI code. `stop()` ends training
at the next batch boundary and keeps the weights learned so far. The run's
record is `progress.py`, its Keras callback `callbacks.py`; here is the job's
control: queueing, starting, stopping, giving up on a closed page, the result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mnist_core.config import TrainingConfig
from mnist_core.data import DataSplits
from mnist_core.errors import ConfigError, JobError
from mnist_core.limiter import TrainingLimiter
from mnist_core.pipeline import make_dataset, steps_per_epoch
from mnist_core.progress import FINISHED, JobProgress, JobStatus, ProgressRecorder, done_message
from mnist_core.sizing import count_params
from mnist_core.test_time import unwrap

VALIDATION_BATCH = 1000
OWNER_CHECK_S = 1.0
PEN_MESSAGE = "Drawing the training digits with a pen (once; then cached)…"


@dataclass
class TrainingResult:
    """What a finished (or stopped) run produced.

    `model` is an inference copy (weights only, see `models.inference_copy`);
    `replicas` is how many devices trained it in parallel.
    """

    model: Any
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
        on_finish: Called on the worker thread with the job once it has
            finished, however it ended (to keep its model).
        start_from: Train a copy of this model (fine-tuning) instead of a new
            one built from `config.model`. Of a shift-averaged model, the inner classifier is
            trained (one call a step, not one per shift; validation scores it alone), then averaged again.
        probe: A (28, 28) image (the learner's drawing) to read after every epoch, or None.

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
        on_finish: Callable[[TrainingJob], None] | None = None,
        start_from: Any = None,
        probe: np.ndarray | None = None,
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
        self._on_finish = on_finish
        self._start_from = start_from
        self.probe = probe
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop_requested = threading.Event()
        self._finished = threading.Event()
        self._ticket: int | None = None
        self._model = None
        self._result: TrainingResult | None = None
        self._stop_reason = "completed"
        steps = steps_per_epoch(train_examples, config.batch_size)
        self._recorder = ProgressRecorder(config.epochs, steps, config.batch_size, train_examples)
        self._owner_last_seen = time.monotonic()
        self._owner_checked = 0.0

    def start(self) -> None:
        """Starts training in a daemon thread; returns at once.

        Raises:
            JobError: The job was already started.
        """
        thread = threading.Thread(target=self._execute, name="training-job", daemon=True)
        with self._lock:
            self._claim(thread)
        thread.start()

    def run(self) -> TrainingResult | None:
        """Trains in the calling thread; returns the result (None if cancelled or failed).

        Raises:
            JobError: The job was already started.
        """
        with self._lock:
            self._claim(threading.current_thread())
        self._execute()
        return self._result

    def stop(self) -> None:
        """Ends training at the next batch boundary, keeping the weights.

        A queued job leaves the queue. Calling it again, or after the end, does nothing.
        """
        self._stop_requested.set()
        with self._lock:
            if self._recorder.status not in FINISHED:
                self._stop_reason = "stopped"
            self._recorder.set_status(
                JobStatus.STOPPING, "Stopping at the end of this batch…", only_from=JobStatus.RUNNING
            )
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
        position = None
        if (
            self._limiter is not None
            and self._ticket is not None
            and self._recorder.status == JobStatus.QUEUED
        ):
            position = self._limiter.position(self._ticket)
        return self._recorder.snapshot(position)

    def _claim(self, thread: threading.Thread) -> None:
        if self._thread is not None or self._finished.is_set():
            raise JobError("This training job has already been started; create a new job to train again.")
        self._thread = thread
        if self._limiter is not None:
            self._ticket = self._limiter.enqueue()

    def _give_up(self) -> bool:
        """True once the user stopped the job or its page has been gone for the grace period."""
        if self._stop_requested.is_set():
            return True
        if self._owner_alive is None:
            return False
        now = time.monotonic()
        if now - self._owner_checked >= OWNER_CHECK_S:
            self._owner_checked = now
            if self._owner_alive():
                self._owner_last_seen = now
        gone = now - self._owner_last_seen > self._abandon_after_s
        if gone:
            with self._lock:
                self._stop_reason = "abandoned"
        return gone

    def _execute(self) -> None:
        try:
            limiter, ticket = self._limiter, self._ticket
            if limiter is not None and ticket is not None and not limiter.wait_turn(ticket, self._give_up):
                reason = "you stopped it" if self._stop_reason == "stopped" else "its page was closed"
                self._finish(JobStatus.CANCELLED, f"Left the queue before starting because {reason}.")
                return
            self._train()
        except Exception as error:  # noqa: BLE001 - reported to the user, never lost silently.
            self._finish(JobStatus.FAILED, f"Training failed: {type(error).__name__}: {error}")
        finally:
            if self._limiter is not None and self._ticket is not None:
                self._limiter.release(self._ticket)
            if self._on_finish is not None:
                self._on_finish(self)
            self._finished.set()

    def _train(self) -> None:
        from mnist_core.callbacks import ProgressCallback
        from mnist_core.evaluation import evaluate_model
        from mnist_core.models import build_model, continue_from, inference_copy
        from mnist_core.runtime import distribution_strategy, keras_module

        status = JobStatus.STOPPING if self._stop_requested.is_set() else JobStatus.RUNNING
        self._recorder.set_status(status, "Loading TensorFlow and building the model…")
        keras = keras_module()
        keras.utils.set_random_seed(self.config.seed)
        config, splits = self.config, self.splits
        if config.pen_augment:
            self._recorder.set_status(JobStatus.RUNNING, PEN_MESSAGE, only_from=JobStatus.RUNNING)
        train = make_dataset(
            splits.x_train,
            splits.y_train,
            config.batch_size,
            shuffle=True,
            seed=config.seed,
            augment=config.augment,
            pen_augment=config.pen_augment,
        )
        self._recorder.training_started()
        steps = self._recorder.steps_per_epoch
        averaged = unwrap(self._start_from)
        with distribution_strategy().scope():
            if self._start_from is not None:
                model = continue_from(averaged.classifier if averaged else self._start_from, config, steps)
            else:
                model = build_model(config, steps_per_epoch=steps)
        with self._lock:
            self._model = model
        validation = make_dataset(splits.x_val, splits.y_val, VALIDATION_BATCH) if len(splits.y_val) else None
        progress_callback = ProgressCallback(
            self._recorder, self._give_up, config, self._on_epoch, self.probe
        )
        callbacks = [progress_callback]
        if config.early_stopping_patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if validation is not None else "loss",
                    patience=config.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        # The dataset reshuffles itself every epoch.
        model.fit(
            train,
            epochs=config.epochs,
            validation_data=validation,
            callbacks=callbacks,
            verbose=0,
            shuffle=False,
        )
        self._recorder.training_ended()
        with self._lock:
            self._model = None
            if progress_callback.reached_target and self._stop_reason == "completed":
                self._stop_reason = "target"
            elif self._stop_reason == "completed" and self._recorder.epochs_done < config.epochs:
                self._stop_reason = "early_stopping"
        if progress_callback.diverged:
            self._finish(JobStatus.DIVERGED, self._recorder.snapshot().message)
            return
        replicas = model.distribute_strategy.num_replicas_in_sync
        model = inference_copy(model) if averaged is None else averaged.wrap(model)
        report = evaluate_model(model, splits.x_test, splits.y_test)
        progress = self.progress()
        self._result = TrainingResult(
            model=model,
            config=config,
            test_accuracy=report.accuracy,
            test_loss=report.loss,
            seconds=progress.elapsed_s,
            params=model.count_params() if self._start_from is not None else count_params(config.model),
            stop_reason=self._stop_reason,
            replicas=replicas,
            progress=progress,
        )
        self._finish(JobStatus.DONE, done_message(self._stop_reason, progress, report.accuracy))

    def _finish(self, status: JobStatus, message: str) -> None:
        self._recorder.set_status(status, message)
        if self._result is not None:
            self._result.progress = self.progress()
