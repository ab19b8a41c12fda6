"""Sizing a run without TensorFlow: parameters, work, memory, split sizes and time estimates.

Pure arithmetic on the configuration, so the Train form can show it (and the
server's caps can refuse a run) before TensorFlow has even loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mnist_core.architectures import IMAGE_SIZE, NUM_CLASSES, CNNConfig, MLPConfig, ModelConfig
from mnist_core.config import DEFAULT_VALIDATION_FRACTION, MNIST_TRAIN_SIZE, TrainingConfig

# Calibrated on a 2-core x86 machine with TensorFlow 2.21 (see README):
# seconds per gradient step of fixed overhead, and seconds per forward
# multiply-add per example (the backward pass is folded in).
STEP_OVERHEAD_S = 0.0006
SECONDS_PER_MAC = 6e-11
# Tracing the train step, building the pipeline and scoring the test set.
RUN_STARTUP_S = 3.0
# Random affine and stroke-width changes share the two cores with training.
AUGMENT_FACTOR = 1.4
DEFAULT_TRAIN_SIZE = round(MNIST_TRAIN_SIZE * (1 - DEFAULT_VALIDATION_FRACTION))
DEFAULT_VALIDATION_SIZE = MNIST_TRAIN_SIZE - DEFAULT_TRAIN_SIZE
FLOAT_BYTES = 4
# Calibrated against the peak resident memory of real training steps
# (bench.memory_caps: the estimate is 1.07-1.27x the measured peak on four
# configurations from 0.2 M to 5.3 M parameters).
# TensorFlow's training machinery, whatever the model: traced step, pipeline, buffers.
TRAINING_FIXED_BYTES = 100_000_000
# A step keeps every layer's output for the backward pass and makes a gradient
# of each; the kernels add scratch space on top.
ACTIVATION_OVERHEAD = 2.0
# Weights, their gradients, Adam's two moments, and the copies TensorFlow makes
# of them while building and applying the update.
PARAMETER_COPIES = 12


@dataclass(frozen=True)
class LayerSize:
    """One layer of a configured network: what it is and what it costs per example."""

    description: str
    params: int
    macs: int
    outputs: int


def layer_sizes(config: ModelConfig) -> list[LayerSize]:
    """Each layer's description, parameters, forward multiply-adds and outputs, input side first."""
    rows = []
    if isinstance(config, MLPConfig):
        inputs = IMAGE_SIZE * IMAGE_SIZE
        for units in config.hidden_units:
            rows.append(LayerSize(f"dense {units}", inputs * units + units, inputs * units, units))
            inputs = units
    else:
        channels, side = 1, IMAGE_SIZE
        for block, pooled_side in zip(config.conv_blocks, config.feature_map_sizes(), strict=True):
            side = (side - block.kernel_size) // block.strides + 1
            weights = block.kernel_size**2 * channels * block.filters
            params = weights + (4 * block.filters if config.batch_norm else block.filters)
            stride = f"/{block.strides}" if block.strides > 1 else ""
            pool = " pool" if block.pooling else ""
            description = f"conv {block.filters}@{block.kernel_size}x{block.kernel_size}{stride}{pool}"
            outputs = side * side * block.filters * (2 if config.batch_norm else 1)
            rows.append(LayerSize(description, params, side * side * weights, outputs))
            channels, side = block.filters, pooled_side
        inputs = side * side * channels
        for units in config.dense_units:
            rows.append(LayerSize(f"dense {units}", inputs * units + units, inputs * units, units))
            inputs = units
    rows.append(
        LayerSize(
            f"{NUM_CLASSES} softmax", inputs * NUM_CLASSES + NUM_CLASSES, inputs * NUM_CLASSES, NUM_CLASSES
        )
    )
    return rows


def count_params(config: ModelConfig) -> int:
    """Number of parameters `models.build_model` creates (trainable or not)."""
    return sum(layer.params for layer in layer_sizes(config))


def count_macs(config: ModelConfig) -> int:
    """Forward-pass multiply-adds per example."""
    return sum(layer.macs for layer in layer_sizes(config))


def training_memory_bytes(config: TrainingConfig) -> int:
    """Peak memory of a training run beyond the data set: machinery, weights, optimizer and activations."""
    layers = layer_sizes(config.model)
    activations = sum(layer.outputs for layer in layers) + IMAGE_SIZE * IMAGE_SIZE
    per_batch = config.batch_size * activations * FLOAT_BYTES * ACTIVATION_OVERHEAD
    weights = PARAMETER_COPIES * FLOAT_BYTES * count_params(config.model)
    return round(TRAINING_FIXED_BYTES + per_batch + weights)


def describe_model(config: ModelConfig) -> str:
    """One line, e.g. "CNN: conv 32@5x5/2 → conv 64@3x3/2 → dense 128 → 10 softmax · 225,546 parameters"."""
    layers = " → ".join(layer.description for layer in layer_sizes(config))
    extras = []
    if isinstance(config, MLPConfig) and config.dropout_rate:
        extras.append(f"dropout {config.dropout_rate:g}")
    if isinstance(config, CNNConfig):
        if config.batch_norm:
            extras.append("batch norm")
        if config.conv_dropout_rate or config.dense_dropout_rate:
            extras.append(f"dropout {config.conv_dropout_rate:g}/{config.dense_dropout_rate:g}")
    extra = f" ({', '.join(extras)})" if extras else ""
    return f"{config.kind.upper()}: {layers}{extra} · {count_params(config):,} parameters"


def split_sizes(config: TrainingConfig, total: int) -> tuple[int, int]:
    """(training, validation) examples a run of `config` uses out of `total` before the split."""
    validation = default_validation_size(total) if config.validation_size is None else config.validation_size
    available = max(total - validation, 0)
    return min(config.train_size or available, available), validation


def default_validation_size(total: int) -> int:
    """What a run holds out when its validation_size is None: the last 10%."""
    return round(total * DEFAULT_VALIDATION_FRACTION)


def estimate_epoch_seconds(
    config: TrainingConfig,
    train_size: int = DEFAULT_TRAIN_SIZE,
    validation_size: int = DEFAULT_VALIDATION_SIZE,
) -> float:
    """Rough seconds per epoch, validation included, on a 2-core CPU (halve it per doubling of cores)."""
    steps = math.ceil(train_size / config.batch_size)
    macs = count_macs(config.model)
    training = steps * STEP_OVERHEAD_S + train_size * macs * SECONDS_PER_MAC
    if config.augment:
        training *= AUGMENT_FACTOR
    # A validation pass is forward only: about a third of a training step's work.
    return training + validation_size * macs * SECONDS_PER_MAC / 3


def estimate_run_seconds(
    config: TrainingConfig,
    train_size: int = DEFAULT_TRAIN_SIZE,
    validation_size: int = DEFAULT_VALIDATION_SIZE,
) -> float:
    """Rough seconds for a whole run: start-up (tracing, final test), then every epoch."""
    return RUN_STARTUP_S + config.epochs * estimate_epoch_seconds(config, train_size, validation_size)


def format_seconds(seconds: float | None) -> str:
    """Seconds as "42 s", "3 min 5 s" or "1 h 2 min"; "–" when unknown."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return "< 1 s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def format_bytes(size: float) -> str:
    """Bytes as "512 KB", "3.4 MB" or "1.2 GB"."""
    if size < 1e6:
        return f"{size / 1e3:.0f} KB"
    if size < 1e9:
        return f"{size / 1e6:.1f} MB"
    return f"{size / 1e9:.1f} GB"
