"""The Keras callback that feeds a run's progress record and stops the run when it should.

Imported only by the training thread (it imports Keras at once).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mnist_core.config import TrainingConfig
from mnist_core.inside.explain import first_kernel
from mnist_core.progress import ProgressRecorder
from mnist_core.runtime import lower_training_priority, tensorflow

tensorflow()  # Configures TensorFlow before Keras first runs.
import keras  # noqa: E402

# The first layer's weights are copied for the Train page this often (in batches), and every epoch.
WEIGHTS_EVERY = 50


class ProgressCallback(keras.callbacks.Callback):
    """Writes Keras's per-batch and per-epoch logs into a `ProgressRecorder`.

    Args:
        recorder: The run's record.
        should_stop: Called after every batch; True ends training at once
            (the user pressed Stop, or the page was closed).
        config: The run's configuration: its peak learning rate is named in
            the advice when the loss blows up; training stops after the first
            epoch reaching its `target_val_accuracy` (when set).
        on_epoch: Called with each epoch's history row (command-line progress).
        probe: A (28, 28) image whose probabilities join each epoch's row, or None.
    """

    def __init__(
        self,
        recorder: ProgressRecorder,
        should_stop: Callable[[], bool],
        config: TrainingConfig,
        on_epoch: Callable[[dict], None] | None = None,
        probe: np.ndarray | None = None,
    ):
        super().__init__()
        self.probe = None if probe is None else np.asarray(probe, np.float32)[np.newaxis]
        self.recorder = recorder
        self.should_stop = should_stop
        self.learning_rate = config.learning_rate
        self.target_val_accuracy = config.target_val_accuracy
        self.on_epoch = on_epoch
        self.reached_target = False
        self.diverged = False

    def on_train_begin(self, logs=None):
        # fit() clears stop_training on entry; honour a stop that came earlier.
        if self.should_stop():
            self.model.stop_training = True
        self.recorder.weights_seen(first_kernel(self.model))

    def on_epoch_begin(self, epoch, logs=None):
        # TensorFlow starts its compute threads lazily; by now they exist.
        lower_training_priority()
        self.recorder.epoch_began(epoch)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss, accuracy = logs.get("loss", math.nan), logs.get("accuracy", math.nan)
        if self.recorder.batch_ended(batch, float(loss), float(accuracy), self.learning_rate):
            self.diverged = True
            self.model.stop_training = True
        if self.should_stop():
            self.model.stop_training = True
        if batch % WEIGHTS_EVERY == WEIGHTS_EVERY - 1:
            self.recorder.weights_seen(first_kernel(self.model))

    def on_epoch_end(self, epoch, logs=None):
        self.recorder.weights_seen(first_kernel(self.model))
        row = self.recorder.epoch_ended(epoch, logs or {}, self._probe_probabilities())
        target = self.target_val_accuracy
        if target is not None and (row["val_accuracy"] or 0.0) >= target:
            self.reached_target = True
            self.model.stop_training = True
        if self.on_epoch is not None:
            self.on_epoch(row)

    def _probe_probabilities(self) -> list[float] | None:
        if self.probe is None:
            return None
        probabilities = np.asarray(self.model(self.probe, training=False), np.float64).ravel()
        return [round(float(value), 6) for value in probabilities]
