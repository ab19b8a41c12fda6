"""The Keras callback that feeds a run's progress record and stops the run when it should.

Imported only by the training thread (it imports Keras at once).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mnist_core.progress import ProgressRecorder
from mnist_core.runtime import lower_training_priority, tensorflow

tensorflow()  # Configures TensorFlow before Keras first runs.
import keras  # noqa: E402


class ProgressCallback(keras.callbacks.Callback):
    """Writes Keras's per-batch and per-epoch logs into a `ProgressRecorder`.

    Args:
        recorder: The run's record.
        should_stop: Called after every batch; True ends training at once
            (the user pressed Stop, or the page was closed).
        learning_rate: The configured peak learning rate, named in the
            advice when the loss blows up.
        target_val_accuracy: Stop after the first epoch reaching this; None never.
        on_epoch: Called with each epoch's history row (command-line progress).
    """

    def __init__(
        self,
        recorder: ProgressRecorder,
        should_stop: Callable[[], bool],
        learning_rate: float,
        target_val_accuracy: float | None = None,
        on_epoch: Callable[[dict], None] | None = None,
    ):
        super().__init__()
        self.recorder = recorder
        self.should_stop = should_stop
        self.learning_rate = learning_rate
        self.target_val_accuracy = target_val_accuracy
        self.on_epoch = on_epoch
        self.reached_target = False
        self.diverged = False

    def on_train_begin(self, logs=None):
        # fit() clears stop_training on entry; honour a stop that came earlier.
        if self.should_stop():
            self.model.stop_training = True

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

    def on_epoch_end(self, epoch, logs=None):
        row = self.recorder.epoch_ended(epoch, logs or {})
        target = self.target_val_accuracy
        if target is not None and (row["val_accuracy"] or 0.0) >= target:
            self.reached_target = True
            self.model.stop_training = True
        if self.on_epoch is not None:
            self.on_epoch(row)
