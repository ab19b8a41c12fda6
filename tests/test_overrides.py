"""Tests for mnist_core.overrides: changing a configuration's fields by name, as every surface does."""

import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.overrides import base_config, changed_fields, field_value, surface_fields, with_fields
from mnist_core.presets import PRESETS


def test_surface_fields_are_the_table_of_each_kind():
    assert set(surface_fields("mlp")) - set(surface_fields("cnn")) == {"hidden_units", "dropout_rate"}
    assert {"filters", "kernel_size", "strides", "pooling", "batch_norm"} <= set(surface_fields("cnn"))
    assert "epochs" in surface_fields("mlp") and "epochs" in surface_fields("cnn")


def test_base_config_starts_from_a_preset_or_a_kind():
    assert base_config("fast-cnn") == PRESETS["fast-cnn"].config
    switched = base_config("seed-mlp-128", "cnn")
    assert switched.model == CNNConfig() and switched.batch_size == PRESETS["seed-mlp-128"].config.batch_size
    with pytest.raises(ConfigError, match="model='rnn' is not supported"):
        base_config(None, "rnn")
    with pytest.raises(ConfigError, match="preset 'resnet' does not exist"):
        base_config("resnet")


def test_with_fields_reads_text_and_typed_values_alike():
    from_text = with_fields(TrainingConfig(), {"epochs": "3", "hidden_units": "64,32", "augment": "true"})
    typed = with_fields(TrainingConfig(), {"epochs": 3, "hidden_units": (64, 32), "augment": True})
    assert (
        from_text == typed == TrainingConfig(model=MLPConfig(hidden_units=(64, 32)), epochs=3, augment=True)
    )


def test_with_fields_block_fields_set_all_blocks_or_each():
    values = {"filters": "8,16,32", "kernel_size": "3", "strides": "1,2,1", "pooling": "false"}
    config = with_fields(base_config(None, "cnn"), values)
    assert config.model.conv_blocks == (
        ConvBlock(8, 3, 1, False),
        ConvBlock(16, 3, 2, False),
        ConvBlock(32, 3, 1, False),
    )
    assert field_value(config, "filters") == (8, 16, 32)
    assert field_value(config, "kernel_size") == 3 and field_value(config, "strides") == (1, 2, 1)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"filters": "16"}, "'filters' is not a setting of an MLP"),
        ({"colour": "blue"}, "'colour' is not a setting of an MLP"),
        ({"epochs": "0"}, "epochs=0 is out of range"),
        ({"hidden_units": "64,,8"}, "entry 2 is empty"),
    ],
)
def test_with_fields_refuses_naming_the_field(values, message):
    with pytest.raises(ConfigError, match=message):
        with_fields(TrainingConfig(), values)


def test_with_fields_block_count_mismatch_and_range_refused():
    cnn = base_config(None, "cnn")
    with pytest.raises(ConfigError, match=r"give one value, or one per conv block \(2\)"):
        with_fields(cnn, {"kernel_size": "5,3,3"})
    with pytest.raises(ConfigError, match="strides=4 is out of range"):
        with_fields(cnn, {"strides": "1,4"})


def test_changed_fields_lists_only_what_differs_from_the_preset():
    config = PRESETS["fast-cnn"].config.replace(epochs=2)
    assert changed_fields(config, "fast-cnn") == {"epochs": 2}
    assert changed_fields(PRESETS["fast-cnn"].config, "fast-cnn") == {}
    # Without the preset, everything that differs from a default CNN is listed.
    assert changed_fields(config)["kernel_size"] == (5, 3)
