"""Building Keras models from configurations, and sizing them without Keras.

`count_params`, `describe_model` and `estimate_epoch_seconds` are pure
arithmetic, so a page can show them before TensorFlow has even loaded.
"""

from __future__ import annotations

import functools
import math

from mnist_core.config import (
    IMAGE_SIZE,
    NUM_CLASSES,
    CNNConfig,
    MLPConfig,
    ModelConfig,
    TrainingConfig,
)

# Calibrated on a 2-core x86 machine with TensorFlow 2.21 (see README):
# seconds per gradient step of fixed overhead, and seconds per forward
# multiply-add per example (the backward pass is folded in).
STEP_OVERHEAD_S = 0.0006
SECONDS_PER_MAC = 6e-11
# Tracing the train step, building the pipeline and scoring the test set.
RUN_STARTUP_S = 3.0
# Random affine and stroke-width changes share the two cores with training.
AUGMENT_FACTOR = 1.4
DEFAULT_TRAIN_SIZE = 54000
ONE_CYCLE_WARMUP_SHARE = 0.2


def build_model(config: TrainingConfig, steps_per_epoch: int | None = None):
    """Builds and compiles the Keras model a training configuration describes.

    The model takes (N, 28, 28) float32 images in [0, 1] and returns ten
    softmax probabilities. Call it inside a distribution strategy's scope to
    place its variables there.

    Args:
        config: The run's configuration.
        steps_per_epoch: Gradient steps per epoch, used by the one-cycle
            schedule. Defaults to the full 54,000-example training split.

    Returns:
        A compiled `keras.Model`.
    """
    from mnist_core.runtime import tensorflow

    tensorflow()
    import keras
    from keras import layers

    model_config = config.model
    stack = [keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE), name="image")]
    if isinstance(model_config, MLPConfig):
        stack.append(layers.Flatten(name="flatten"))
        for index, units in enumerate(model_config.hidden_units, start=1):
            stack.append(layers.Dense(units, activation=model_config.activation, name=f"dense_{index}"))
            if model_config.dropout_rate:
                stack.append(layers.Dropout(model_config.dropout_rate, name=f"dropout_{index}"))
    else:
        stack.append(layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1), name="add_channel"))
        for index, block in enumerate(model_config.conv_blocks, start=1):
            stack.append(
                layers.Conv2D(
                    block.filters,
                    block.kernel_size,
                    strides=block.strides,
                    activation=None if model_config.batch_norm else model_config.activation,
                    use_bias=not model_config.batch_norm,
                    name=f"conv_{index}",
                )
            )
            if model_config.batch_norm:
                stack.append(layers.BatchNormalization(name=f"batch_norm_{index}"))
                stack.append(layers.Activation(model_config.activation, name=f"activation_{index}"))
            if block.pooling:
                stack.append(layers.MaxPooling2D(2, name=f"max_pool_{index}"))
            if model_config.conv_dropout_rate:
                stack.append(layers.Dropout(model_config.conv_dropout_rate, name=f"conv_dropout_{index}"))
        stack.append(layers.Flatten(name="flatten"))
        for index, units in enumerate(model_config.dense_units, start=1):
            stack.append(layers.Dense(units, activation=model_config.activation, name=f"dense_{index}"))
            if model_config.dense_dropout_rate:
                stack.append(layers.Dropout(model_config.dense_dropout_rate, name=f"dense_dropout_{index}"))
    stack.append(layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"))
    model = keras.Sequential(stack, name=model_config.kind)
    model.compile(
        optimizer=_optimizer(config, steps_per_epoch or math.ceil(DEFAULT_TRAIN_SIZE / config.batch_size)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _optimizer(config: TrainingConfig, steps_per_epoch: int):
    import keras

    learning_rate = config.learning_rate
    if config.lr_schedule == "one_cycle":
        total = max(2, steps_per_epoch * config.epochs)
        warmup = max(1, int(total * ONE_CYCLE_WARMUP_SHARE))
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate / 10,
            decay_steps=total - warmup,
            warmup_target=config.learning_rate,
            warmup_steps=warmup,
        )
    optimizer_class = _single_device_optimizer_class(config.optimizer)
    if config.optimizer == "sgd":
        return optimizer_class(learning_rate, momentum=0.9)
    return optimizer_class(learning_rate)


@functools.cache
def _single_device_optimizer_class(name: str):
    """The Keras optimizer `name`, minus a memory leak of TensorFlow's.

    On every trace of a train step, Keras all-reduces the gradients across
    replicas; TensorFlow implements that with a graph-mode custom gradient
    that it registers globally and never frees, keeping the whole traced
    graph alive: about 10 MB lost per trained model, which a classroom server
    would run out of. With one replica the all-reduce is the identity, so it
    is skipped; with several (MirroredStrategy) Keras's own path runs.
    """
    import keras

    from mnist_core.runtime import tensorflow

    tf = tensorflow()
    base = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}.get(name, keras.optimizers.RMSprop)

    class SingleDeviceOptimizer(base):
        def _all_reduce_sum_gradients(self, grads_and_vars):
            if tf.distribute.get_strategy().num_replicas_in_sync == 1:
                return list(grads_and_vars)
            return super()._all_reduce_sum_gradients(grads_and_vars)

    SingleDeviceOptimizer.__name__ = SingleDeviceOptimizer.__qualname__ = base.__name__
    return SingleDeviceOptimizer


def inference_copy(model):
    """The same architecture and weights, without optimizer state or traced training graphs.

    A trained model drags along its optimizer's slots and the graphs of its
    train and test steps (about 19 MB for the fast CNN); the copy costs only
    its weights (about 3 MB), so it is what sessions keep and files hold.
    To train it further, compile it again.
    """
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def _layer_shapes(config: ModelConfig) -> list[tuple[str, int, int]]:
    """(description, parameters, forward multiply-adds) for each layer."""
    rows = []
    if isinstance(config, MLPConfig):
        inputs = IMAGE_SIZE * IMAGE_SIZE
        for units in config.hidden_units:
            rows.append((f"dense {units}", inputs * units + units, inputs * units))
            inputs = units
    else:
        channels, side = 1, IMAGE_SIZE
        for block, pooled_side in zip(config.conv_blocks, config.feature_map_sizes(), strict=True):
            side = (side - block.kernel_size) // block.strides + 1
            weights = block.kernel_size**2 * channels * block.filters
            params = weights + (4 * block.filters if config.batch_norm else block.filters)
            stride = f"/{block.strides}" if block.strides > 1 else ""
            pool = " pool" if block.pooling else ""
            rows.append(
                (
                    f"conv {block.filters}@{block.kernel_size}x{block.kernel_size}{stride}{pool}",
                    params,
                    side * side * weights,
                )
            )
            channels, side = block.filters, pooled_side
        inputs = side * side * channels
        for units in config.dense_units:
            rows.append((f"dense {units}", inputs * units + units, inputs * units))
            inputs = units
    rows.append((f"{NUM_CLASSES} softmax", inputs * NUM_CLASSES + NUM_CLASSES, inputs * NUM_CLASSES))
    return rows


def count_params(config: ModelConfig) -> int:
    """Number of parameters `build_model` will create (trainable or not)."""
    return sum(params for _, params, _ in _layer_shapes(config))


def count_macs(config: ModelConfig) -> int:
    """Forward-pass multiply-adds per example."""
    return sum(macs for _, _, macs in _layer_shapes(config))


def describe_model(config: ModelConfig) -> str:
    """One line, e.g. "CNN: conv 32@5x5/2 → conv 64@3x3/2 → dense 128 → 10 softmax · 225,546 parameters"."""
    layers = " → ".join(description for description, _, _ in _layer_shapes(config))
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


def estimate_epoch_seconds(
    config: TrainingConfig, train_size: int = DEFAULT_TRAIN_SIZE, validation_size: int = 6000
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
    config: TrainingConfig, train_size: int = DEFAULT_TRAIN_SIZE, validation_size: int = 6000
) -> float:
    """Rough seconds for a whole run: start-up (tracing, final test), then every epoch."""
    return RUN_STARTUP_S + config.epochs * estimate_epoch_seconds(config, train_size, validation_size)
