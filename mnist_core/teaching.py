"""Teaching a model a set of drawings, and measuring honestly what it learned.

With enough drawings (`finetune.HOLDOUT_FROM`), a stratified fifth is held
out: the model is taught the rest and scored before and after on the held-out
drawings. With fewer, the kept model is taught all of them, and the before and
after figures come from 5-fold cross-validation (five more short fine-tunes,
each scored on the fold it did not see, instead of on MNIST), which follow the first job through
the same queue. MNIST test accuracy is reported before and after either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from mnist_core.architectures import ModelConfig
from mnist_core.data import MnistData
from mnist_core.finetune import (
    HOLDOUT_FROM,
    FinetuneConfig,
    check_enough,
    folds,
    holdout_split,
    teaching_splits,
    training_config,
)
from mnist_core.predict import predict_probabilities
from mnist_core.training import TrainingJob, TrainingResult


def accuracy(model: Any, images: np.ndarray, labels: np.ndarray) -> float | None:
    """Share of `images` the model reads as `labels` (None for no images)."""
    if len(labels) == 0:
        return None
    return float((predict_probabilities(model, images).argmax(axis=1) == labels).mean())


@dataclass
class Lesson:
    """One teaching of a model: the job that trains the kept model, and the measurement that follows.

    Attributes:
        job: Trains the model that is kept (on the teaching drawings).
        method: "held-out" or "5-fold".
        drawings: How many drawings there are in all.
        figures: Filled in as they are known: before, after (on drawings the model did not
            learn from), held_out, mnist_before, mnist_after, and measuring (a progress note).
        measured: Set once every figure is known (the cross-validation can outlast the job).
    """

    job: TrainingJob
    method: str
    drawings: int
    figures: dict[str, Any] = field(default_factory=dict)
    measured: threading.Event = field(default_factory=threading.Event)


def teach(
    model: Any,
    base: ModelConfig | None,
    images: np.ndarray,
    labels: np.ndarray,
    data: MnistData,
    settings: FinetuneConfig | None = None,
    *,
    mnist_before: float | None = None,
    make_job: Callable[..., TrainingJob] = TrainingJob,
    on_trained: Callable[[TrainingJob], None] | None = None,
    on_measured: Callable[[Lesson], None] | None = None,
) -> Lesson:
    """Prepares the teaching of `model` on (N, 28, 28) uint8 `images`; call `lesson.job.start()` or `.run()`.

    Args:
        model: The model to start from (left untouched).
        base: Its architecture when known (sizes the job's description), else None.
        images: The drawings as the model sees them (x 255).
        labels: Their digits.
        data: MNIST, for replay and the test set.
        settings: How to fine-tune.
        mnist_before: The model's known MNIST test accuracy (measured when None).
        make_job: Builds each TrainingJob from (config, splits, start_from=..., on_finish=...),
            so the caller can add the queue and the owner check.
        on_trained: Called (on the worker thread) when the kept model is trained, with the
            figures known by then (to keep the model).
        on_measured: Called (on a worker thread) once every figure is known.

    Raises:
        ConfigError: Too few drawings.
    """
    settings = settings or FinetuneConfig()
    labels = np.asarray(labels, np.uint8)
    check_enough(labels)
    config = training_config(base, settings)
    method = "held-out" if len(labels) >= HOLDOUT_FROM else f"{len(folds(labels))}-fold"
    if method == "held-out":
        teach_on, held_out = holdout_split(labels, settings.seed)
    else:
        teach_on, held_out = np.arange(len(labels)), np.arange(0)
    splits = teaching_splits(
        images[teach_on], labels[teach_on], images[held_out], labels[held_out], data, settings
    )
    figures: dict[str, Any] = {}
    figures["mnist_before"] = (
        mnist_before if mnist_before is not None else accuracy(model, data.x_test, data.y_test)
    )
    figures["held_out"] = len(held_out) if method == "held-out" else len(labels)
    if method == "held-out":
        figures["before"] = accuracy(model, images[held_out], labels[held_out])

    def finished(job: TrainingJob) -> None:
        result = job.result
        if result is not None:
            figures["mnist_after"] = result.test_accuracy
            if method == "held-out":
                figures["after"] = accuracy(result.model, images[held_out], labels[held_out])
            else:
                figures["measuring"] = "Measuring on drawings it did not see…"
        if on_trained is not None:
            on_trained(job)
        if result is None:
            lesson.measured.set()
        elif method == "held-out":
            _done(lesson, on_measured)
        else:
            _cross_validate(lesson, model, config, images, labels, data, settings, make_job, on_measured)

    lesson = Lesson(
        make_job(config, splits, start_from=model, on_finish=finished), method, len(labels), figures
    )
    return lesson


def _cross_validate(lesson, model, config, images, labels, data, settings, make_job, on_measured) -> None:
    """Runs one short fine-tune per fold, one after the other; `before`/`after` are the pooled accuracies."""
    parts = folds(labels)
    right_before = right_after = 0

    def run_fold(number: int) -> None:
        nonlocal right_before, right_after
        if number == len(parts):
            lesson.figures["before"] = right_before / len(labels)
            lesson.figures["after"] = right_after / len(labels)
            lesson.figures.pop("measuring", None)
            _done(lesson, on_measured)
            return
        lesson.figures["measuring"] = (
            f"Measuring on drawings it did not see: fold {number + 1} of {len(parts)}…"
        )
        fold = parts[number]
        rest = np.setdiff1d(np.arange(len(labels)), fold)
        taught = teaching_splits(images[rest], labels[rest], images[:0], labels[:0], data, settings)
        # The job scores its model on the fold itself: MNIST's 10,000 would cost seconds, unread.
        splits = replace(taught, x_test=images[fold], y_test=labels[fold])
        right_before += round((accuracy(model, images[fold], labels[fold]) or 0) * len(fold))

        def fold_done(job: TrainingJob) -> None:
            nonlocal right_after
            result: TrainingResult | None = job.result
            if result is None:
                lesson.figures.pop("measuring", None)
                lesson.measured.set()
                return
            right_after += round(result.test_accuracy * len(fold))
            run_fold(number + 1)

        quiet = config.replace(validation_size=0)
        fold_job = make_job(quiet, splits, start_from=model, on_finish=fold_done)
        threading.Thread(target=fold_job.run, name="teaching-fold", daemon=True).start()

    run_fold(0)


def _done(lesson: Lesson, on_measured: Callable[[Lesson], None] | None) -> None:
    if on_measured is not None:
        on_measured(lesson)
    lesson.measured.set()
