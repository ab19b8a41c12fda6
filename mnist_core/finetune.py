"""Teaching a model someone's own handwriting: a short fine-tune on their drawings, with MNIST replay.

A student's few dozen drawings are too few to train on alone: the model would
forget MNIST. So each epoch mixes every drawing (`copies` times, each copy
randomly shifted, rotated, zoomed and thickened once, before training, by the
training pipeline's `augment_batch`) with `replay` MNIST training digits as
they are, and trains a copy of the chosen model for an epoch (by default) at a
small learning rate. Augmenting only the drawings, and all at once, keeps the two
cores on training: augmenting every batch on the fly took 4 of 9.5 seconds.
It runs as an ordinary `TrainingJob` (same queue, live progress, stop), whose
validation set is the student's held-out drawings and whose test set is
MNIST's, so the result says how well it reads them and whether it still reads
MNIST.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mnist_core.architectures import MLPConfig, ModelConfig
from mnist_core.config import TrainingConfig
from mnist_core.data import DataSplits, MnistData
from mnist_core.errors import ConfigError

# Fewer drawings than this are not enough to learn from, or to measure what was learned.
MIN_DRAWINGS = 10
# With fewer drawings than this, a held-out share would be a handful: estimate by k-fold instead.
HOLDOUT_FROM = 100
HOLDOUT_SHARE = 0.2
FOLDS = 5


@dataclass(frozen=True)
class FinetuneConfig:
    """How a model is taught someone's drawings.

    Attributes:
        epochs: Passes over the mixed set.
        learning_rate: Adam's step size (small: the model already reads digits).
        batch_size: Examples per step.
        copies: How often each drawing appears per epoch (each copy augmented differently, the
            same copies every epoch). One epoch of 40 copies teaches as well as two of 20 in half
            the time (`bench/finetune_writers.py`).
        replay: MNIST training digits mixed in per epoch, so the model does not forget MNIST.
        seed: Seed for the replay sample, the split and the augmentation.
    """

    epochs: int = 1
    learning_rate: float = 3e-4
    batch_size: int = 64
    copies: int = 40
    replay: int = 6000
    seed: int = 0


def check_enough(labels: np.ndarray) -> None:
    """Raises ConfigError, saying how many are needed, when there are too few drawings to teach."""
    if len(labels) < MIN_DRAWINGS:
        raise ConfigError(
            f"Teaching needs at least {MIN_DRAWINGS} drawings and there are {len(labels)}; "
            f"draw {MIN_DRAWINGS - len(labels)} more (a few of each digit you want it to learn)."
        )


def training_config(base: ModelConfig | None, settings: FinetuneConfig) -> TrainingConfig:
    """A fine-tune's TrainingConfig: a small constant learning rate, no split of its own.

    No augmentation on the fly: `teaching_splits` augments the drawings' copies beforehand.
    """
    return TrainingConfig(
        model=base or MLPConfig(),
        learning_rate=settings.learning_rate,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        augment=False,
        seed=settings.seed,
        validation_size=0,
    )


def teaching_splits(
    images: np.ndarray,
    labels: np.ndarray,
    held_out: np.ndarray,
    held_out_labels: np.ndarray,
    data: MnistData,
    settings: FinetuneConfig,
) -> DataSplits:
    """The fine-tune's data: augmented copies of the drawings and MNIST replay; held-out drawings; MNIST test.

    Args:
        images: (N, 28, 28) uint8 drawings to learn from, as `canvas_to_mnist` makes them (x 255).
        labels: Their digits.
        held_out: Drawings kept out, to measure the result on (may be empty).
        held_out_labels: Their digits.
        data: MNIST, for replay and for the test set.
        settings: How many copies and replay digits.
    """
    rng = np.random.default_rng(settings.seed)
    replay = rng.choice(len(data.y_train), size=min(settings.replay, len(data.y_train)), replace=False)
    copies = augmented(np.repeat(images, settings.copies, axis=0), settings.seed)
    x_train = np.concatenate([copies, data.x_train[replay]])
    y_train = np.concatenate([np.repeat(labels, settings.copies), data.y_train[replay]]).astype(np.uint8)
    return DataSplits(
        x_train=x_train,
        y_train=y_train,
        x_val=held_out.astype(np.uint8),
        y_val=held_out_labels.astype(np.uint8),
        x_test=data.x_test,
        y_test=data.y_test,
    )


def holdout_split(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(teach, held-out) indices: a stratified 20% held out, at least one drawing per digit that has two."""
    rng = np.random.default_rng(seed)
    teach: list[int] = []
    held_out: list[int] = []
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        keep = math.floor(len(members) * HOLDOUT_SHARE) if len(members) >= 5 else int(len(members) >= 2)
        held_out.extend(int(index) for index in members[:keep])
        teach.extend(int(index) for index in members[keep:])
    return np.array(sorted(teach), np.int64), np.array(sorted(held_out), np.int64)


def folds(labels: np.ndarray, count: int = FOLDS, seed: int = 0) -> list[np.ndarray]:
    """Stratified folds of the drawings' indices (every digit spread over the folds)."""
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(count)]
    offset = 0
    for digit in np.unique(labels):
        for position, index in enumerate(rng.permutation(np.flatnonzero(labels == digit))):
            parts[(offset + position) % count].append(int(index))
        offset += len(np.flatnonzero(labels == digit))
    return [np.array(sorted(part), np.int64) for part in parts if part]


def augmented(images: np.ndarray, seed: int) -> np.ndarray:
    """Each (28, 28) uint8 image rotated, zoomed, sheared, shifted and thickened at random."""
    from mnist_core.pipeline import augment_batch
    from mnist_core.runtime import tensorflow

    tf = tensorflow()
    if len(images) == 0:
        return images.astype(np.uint8)
    pixels = tf.constant(images.astype(np.float32) / 255.0)
    moved = augment_batch(pixels, tf.constant([seed, seed + 1], tf.int64)).numpy()
    return np.round(moved * 255).astype(np.uint8)
