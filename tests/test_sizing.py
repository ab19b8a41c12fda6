"""Tests for mnist_core.sizing: parameters, work, memory, split sizes and time estimates without Keras."""

import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.presets import get_preset
from mnist_core.sizing import (
    TRAINING_FIXED_BYTES,
    count_params,
    describe_model,
    estimate_epoch_seconds,
    estimate_run_seconds,
    format_bytes,
    format_seconds,
    split_sizes,
    training_memory_bytes,
)

FULL = 60000


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


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (0.2, "< 1 s"), (42.4, "42 s"), (185, "3 min 5 s"), (3720, "1 h 2 min")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(("size", "text"), [(512_000, "512 KB"), (3_400_000, "3.4 MB"), (1.2e9, "1.2 GB")])
def test_format_bytes(size, text):
    assert format_bytes(size) == text


def test_split_sizes_count_what_a_run_uses():
    assert split_sizes(TrainingConfig(), FULL) == (54000, 6000)
    assert split_sizes(TrainingConfig(train_size=300), FULL) == (300, 6000)
    assert split_sizes(TrainingConfig(validation_size=500, train_size=900), 1000) == (500, 500)
    assert split_sizes(TrainingConfig(validation_size=0), 1000) == (1000, 0)


def test_training_memory_grows_with_batch_and_feature_maps():
    def beyond_fixed(config):
        return training_memory_bytes(config) - TRAINING_FIXED_BYTES

    small = TrainingConfig(model=CNNConfig(conv_blocks=(ConvBlock(8),)), batch_size=32)
    assert training_memory_bytes(small.replace(batch_size=64)) > training_memory_bytes(small)
    wide = small.replace(model=CNNConfig(conv_blocks=(ConvBlock(256, pooling=False),) * 3))
    assert beyond_fixed(wide) > 50 * beyond_fixed(small)
    # Weights and optimizer state count too: twelve float32 copies of every parameter.
    mlp = TrainingConfig(model=MLPConfig(hidden_units=(1000,)), batch_size=1)
    assert beyond_fixed(mlp) >= 48 * count_params(mlp.model)


def test_training_memory_of_the_reviewed_giant_is_not_underestimated():
    # Six conv blocks of 512 filters, stride 1, no pooling, dense 1024: a real run peaked at 5.7 GB.
    giant = TrainingConfig(
        model=CNNConfig(conv_blocks=(ConvBlock(512, kernel_size=3, pooling=False),) * 6, dense_units=(1024,)),
        batch_size=10,
    )
    assert training_memory_bytes(giant) >= 5.7e9
