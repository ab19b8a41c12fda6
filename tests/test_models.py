"""Tests for mnist_core.models: Keras models match the arithmetic that sizes them."""

import numpy as np
import pytest

from mnist_core.config import CNNConfig, ConvBlock, MLPConfig, TrainingConfig
from mnist_core.models import (
    build_model,
    count_params,
    describe_model,
    estimate_epoch_seconds,
    estimate_run_seconds,
)
from mnist_core.presets import get_preset

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


def test_describe_model_mentions_layers_and_parameter_count():
    config = CNNConfig(
        conv_blocks=(ConvBlock(32, kernel_size=5, strides=2, pooling=False), ConvBlock(64, strides=2)),
        dense_units=(128,),
        batch_norm=True,
    )
    text = describe_model(config)

    assert text.startswith("CNN: conv 32@5x5/2 → conv 64@3x3/2 pool → dense 128 → 10 softmax")
    assert "batch norm" in text
    assert f"{count_params(config):,} parameters" in text
    assert describe_model(MLPConfig(dropout_rate=0.2)).startswith("MLP: dense 128 → 10 softmax (dropout 0.2)")


def test_estimate_epoch_seconds_positive_and_grows_with_model():
    small = TrainingConfig(model=MLPConfig(hidden_units=(16,)))
    large = TrainingConfig(model=MLPConfig(hidden_units=(1024, 1024)))
    cnn = TrainingConfig(model=CNNConfig())

    assert 0 < estimate_epoch_seconds(small) < estimate_epoch_seconds(large) < estimate_epoch_seconds(cnn)
    assert estimate_epoch_seconds(small, train_size=1000) < estimate_epoch_seconds(small, train_size=54000)


def test_estimate_run_seconds_adds_start_up_validation_and_augmentation():
    config = get_preset("fast-cnn").config
    epoch = estimate_epoch_seconds(config, 54000, 6000)

    assert estimate_epoch_seconds(config, 54000, 0) < epoch
    assert estimate_epoch_seconds(config.replace(augment=True), 54000, 6000) > epoch
    assert estimate_run_seconds(config, 54000, 6000) == pytest.approx(3.0 + config.epochs * epoch)
    # A tiny run is dominated by start-up, never shown as instantaneous.
    assert estimate_run_seconds(config.replace(epochs=1), 300, 100) > 3.0
