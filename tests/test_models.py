"""Tests for mnist_core.models: Keras models match the arithmetic that sizes them."""

import numpy as np
import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.models import build_model, continue_from, inference_copy
from mnist_core.sizing import count_params, describe_model
from mnist_core.test_time import shift_average

CUSTOM_MODELS = [
    MLPConfig(hidden_units=()),
    MLPConfig(hidden_units=(64, 32, 16), activation="tanh", dropout_rate=0.3),
    CNNConfig(conv_blocks=(ConvBlock(8, kernel_size=5),), dense_units=()),
    CNNConfig(conv_blocks=(ConvBlock(8), ConvBlock(16, strides=2, pooling=False)), batch_norm=True),
    CNNConfig(
        conv_blocks=(ConvBlock(4, kernel_size=1), ConvBlock(6, kernel_size=7, strides=3, pooling=False)),
        dense_units=(20, 10),
        batch_norm=True,
        conv_dropout_rate=0.1,
        dense_dropout_rate=0.2,
    ),
]


@pytest.mark.parametrize("model_config", CUSTOM_MODELS, ids=lambda config: describe_model(config))
def test_count_params_custom_config_matches_keras(model_config):
    model = build_model(TrainingConfig(model=model_config))

    assert model.count_params() == count_params(model_config)


def test_build_model_batch_norm_adds_normalisation_layers():
    config = TrainingConfig(model=CNNConfig(conv_blocks=(ConvBlock(8), ConvBlock(8)), batch_norm=True))
    model = build_model(config)

    names = [layer.name for layer in model.layers]
    assert names.count("batch_norm_1") == 1 and names.count("batch_norm_2") == 1
    assert all(not layer.use_bias for layer in model.layers if layer.name.startswith("conv_"))


def test_continue_from_keeps_batch_norm_statistics_even_in_a_nested_network():
    config = TrainingConfig(model=CNNConfig(conv_blocks=(ConvBlock(4), ConvBlock(4)), batch_norm=True))
    model = inference_copy(build_model(config))
    before = [layer.moving_mean.numpy().copy() for layer in model.layers if "batch_norm" in layer.name]
    images = np.random.default_rng(0).random((32, 28, 28), np.float32)

    for copy in (continue_from(model, config), continue_from(shift_average(model), config)):
        copy.fit(images, np.zeros(32, np.int64), epochs=1, verbose=0)
        normalising = [layer for layer in _all_layers(copy) if "batch_norm" in layer.name]
        assert len(normalising) == 2 and not any(layer.trainable for layer in normalising)
        after = [layer.moving_mean.numpy() for layer in normalising]
        assert all(np.array_equal(old, new) for old, new in zip(before, after, strict=True))
    assert all(layer.trainable for layer in model.layers), "the original is untouched"


def _all_layers(model):
    for layer in model.layers:
        yield from _all_layers(layer) if hasattr(layer, "layers") else [layer]


def test_build_model_one_cycle_warms_up_then_decays_to_zero():
    config = TrainingConfig(learning_rate=0.01, lr_schedule="one_cycle", epochs=2)
    model = build_model(config, steps_per_epoch=50)
    schedule = model.optimizer._learning_rate

    # 100 steps in all: 20 of warm-up from lr/10 to lr, then cosine decay to zero.
    assert float(schedule(0)) == pytest.approx(0.001)
    assert float(schedule(20)) == pytest.approx(0.01)
    assert float(schedule(60)) == pytest.approx(0.005, rel=1e-3)
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize(
    ("optimizer", "class_name"), [("adam", "Adam"), ("sgd", "SGD"), ("rmsprop", "RMSprop")]
)
def test_build_model_uses_chosen_optimizer(optimizer, class_name):
    model = build_model(TrainingConfig(model=MLPConfig(hidden_units=(4,)), optimizer=optimizer))

    assert type(model.optimizer).__name__ == class_name
    assert float(np.asarray(model.optimizer.learning_rate)) == pytest.approx(1e-3)
