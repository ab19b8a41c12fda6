"""Building Keras models from configurations (sizing them without Keras is `sizing.py`)."""

from __future__ import annotations

import functools
import math
from typing import Any

from mnist_core.architectures import IMAGE_SIZE, NUM_CLASSES, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.runtime import keras_module, tensorflow
from mnist_core.sizing import DEFAULT_TRAIN_SIZE

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
    keras = keras_module()
    layers = keras.layers

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
    return compile_for_training(model, config, steps_per_epoch)


def continue_from(model, config: TrainingConfig, steps_per_epoch: int | None = None):
    """A trainable copy of an existing classifier (a default, a run, an upload), compiled as `config` says.

    The copy takes (N, 28, 28) images like every model here: a model made for
    (28, 28, 1) or (784,) inputs gets a reshape in front. Its batch normalisation
    layers are frozen (they normalise with the statistics they learned on MNIST:
    a fine-tune's few drawings, repeated, would replace them, and MNIST would
    suffer). The original is untouched.
    """
    from mnist_core.predict import outputs_probabilities

    keras = keras_module()
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    _freeze_batch_norm(copy)
    input_shape = tuple(model.inputs[0].shape[1:])
    if input_shape != (IMAGE_SIZE, IMAGE_SIZE):
        copy = keras.Sequential(
            [keras.Input((IMAGE_SIZE, IMAGE_SIZE)), keras.layers.Reshape(input_shape), copy], name=model.name
        )
    return compile_for_training(copy, config, steps_per_epoch, from_logits=not outputs_probabilities(model))


def _freeze_batch_norm(model) -> None:
    """Sets every BatchNormalization layer in `model`, nested models included, to inference mode."""
    keras = keras_module()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
        elif isinstance(layer, keras.Model):
            _freeze_batch_norm(layer)


def compile_for_training(
    model, config: TrainingConfig, steps_per_epoch: int | None = None, *, from_logits=False
):
    """Compiles `model` with the configuration's optimizer and schedule, cross-entropy loss and accuracy."""
    keras = keras_module()
    model.compile(
        optimizer=_optimizer(config, steps_per_epoch or math.ceil(DEFAULT_TRAIN_SIZE / config.batch_size)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
        metrics=["accuracy"],
    )
    # Made now rather than inside the first train step, which took 0.4-0.7 s
    # longer on 2 cores when it had to create them (measured on the default CNN).
    model.optimizer.build(model.trainable_variables)
    return model


def _optimizer(config: TrainingConfig, steps_per_epoch: int):
    keras = keras_module()

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
    keras = keras_module()
    tf = tensorflow()
    base: Any = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}.get(
        name, keras.optimizers.RMSprop
    )

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
