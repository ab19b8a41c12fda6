"""Tests for mnist_core.links: training configurations as URL query parameters."""

import dataclasses

import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.links import config_from_query, query_from_config
from mnist_core.presets import PRESETS


def _changed(config: TrainingConfig) -> TrainingConfig:
    """The preset with a few training and model fields changed, as a user would."""
    config = config.replace(epochs=2, learning_rate=0.02, augment=True, seed=7)
    if isinstance(config.model, MLPConfig):
        return config.replace(
            model=dataclasses.replace(config.model, hidden_units=(64, 16), activation="gelu")
        )
    return config.replace(model=dataclasses.replace(config.model, dense_units=(48,), batch_norm=True))


def test_config_from_query_empty_gives_defaults():
    assert config_from_query({}) == (TrainingConfig(), None, [])


def test_config_from_query_preset_and_single_fields():
    config, preset, notices = config_from_query(
        {"preset": "seed-cnn-dropout", "epochs": "2", "batch_norm": "yes", "filters": "16,32,8"}
    )

    assert preset == "seed-cnn-dropout" and notices == []
    base = PRESETS["seed-cnn-dropout"].config
    assert config.epochs == 2 and config.batch_size == base.batch_size
    assert config.model.batch_norm is True
    assert [block.filters for block in config.model.conv_blocks] == [16, 32, 8]
    assert config.model.dense_dropout_rate == base.model.dense_dropout_rate


def test_config_from_query_model_switch():
    config, preset, notices = config_from_query({"model": "cnn", "kernel_size": "5", "pooling": "false"})

    assert preset is None and notices == []
    assert all(
        block == ConvBlock(32, 5, 1, False) or block == ConvBlock(64, 5, 1, False)
        for block in config.model.conv_blocks
    )
    assert config.model.dense_units == CNNConfig().dense_units


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"preset": "resnet"}, "Ignored preset='resnet': choose one of"),
        ({"model": "rnn"}, "Ignored model='rnn': choose mlp or cnn."),
        ({"colour": "blue"}, "Ignored colour='blue': 'colour' is not a setting of an MLP."),
        ({"filters": "16"}, "Ignored filters='16': 'filters' is not a setting of an MLP."),
        ({"epochs": "0"}, "Ignored epochs='0': epochs=0 is out of range"),
        ({"epochs": "ten"}, "Ignored epochs='ten': epochs='ten' is not a whole number."),
        ({"learning_rate": "-1"}, "Ignored learning_rate='-1': learning_rate=-1.0 is out of range"),
        ({"dropout_rate": "0.95"}, "Ignored dropout_rate='0.95': dropout_rate=0.95 is out of range"),
        ({"hidden_units": "64,x"}, "Ignored hidden_units='64,x': hidden_units: 'x' is not a whole number"),
        ({"hidden_units": "64,,8"}, "Ignored hidden_units='64,,8': hidden_units: entry 2 is empty"),
        ({"augment": "maybe"}, "Ignored augment='maybe': augment='maybe' must be true or false."),
        ({"optimizer": "adagrad"}, "Ignored optimizer='adagrad': optimizer='adagrad' is not supported"),
    ],
)
def test_config_from_query_bad_values_ignored_with_notice(params, notice):
    config, _, notices = config_from_query({**params, "batch_size": "64"})

    assert len(notices) == 1 and notices[0].startswith(notice)
    assert config == TrainingConfig(batch_size=64)


def test_config_from_query_bad_value_keeps_preset_value():
    config, preset, notices = config_from_query(
        {"preset": "fast-cnn", "epochs": "-4", "conv_dropout_rate": "2"}
    )

    assert preset == "fast-cnn" and len(notices) == 2
    assert config == PRESETS["fast-cnn"].config


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_query_from_config_round_trip_with_preset(name):
    config = _changed(PRESETS[name].config)

    params = query_from_config(config, name)

    assert params["preset"] == name
    assert params["epochs"] == "2" and params["learning_rate"] == "0.02"
    assert all(isinstance(value, str) for value in params.values())
    assert config_from_query(params) == (config, name, [])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_query_from_config_unchanged_preset_is_just_its_name(name):
    assert query_from_config(PRESETS[name].config, name) == {"preset": name}


@pytest.mark.parametrize("name", sorted(set(PRESETS) - {"fast-cnn"}))
def test_query_from_config_round_trip_without_preset(name):
    config = _changed(PRESETS[name].config)

    params = query_from_config(config)

    assert "preset" not in params
    assert config_from_query(params) == (config, None, [])


def test_query_from_config_round_trip_per_block_kernel_sizes():
    # fast-cnn's blocks differ (5x5 then 3x3): without the preset, the link lists one kernel per block.
    config = _changed(PRESETS["fast-cnn"].config)

    params = query_from_config(config)

    assert params["kernel_size"] == "5,3"
    assert config_from_query(params) == (config, None, [])


def test_config_from_query_per_block_values():
    config, _, notices = config_from_query({"model": "cnn", "strides": "2,1", "pooling": "false,true"})

    assert notices == []
    assert [(block.strides, block.pooling) for block in config.model.conv_blocks] == [(2, False), (1, True)]


def test_config_from_query_per_block_count_mismatch_ignored():
    config, _, notices = config_from_query({"model": "cnn", "kernel_size": "5,3,3"})

    assert notices == [
        "Ignored kernel_size='5,3,3': kernel_size='5,3,3': give one value, or one per conv block (2)."
    ]
    assert config.model == CNNConfig()


HOSTILE = "**Session expired.** [Log in again](https://evil.example/login) ![t](https://evil.example/t.png)"


def test_config_from_query_notice_quotes_a_long_value_shortened():
    config, _, notices = config_from_query({"activation": HOSTILE * 20, "x" * 500: "1"})

    assert config == TrainingConfig()
    assert len(notices) == 2 and all(len(notice) < 260 for notice in notices)
    assert notices[0].startswith("Ignored activation='**Session expired.**") and "…" in notices[0]


def test_config_from_query_refuses_a_command_line_only_field_and_says_where_it_is():
    config, _, notices = config_from_query({"pen_augment": "true", "epochs": "2"})

    assert config.pen_augment is False and config.epochs == 2
    assert notices == [
        "Ignored pen_augment='true': it is offered on the command line only "
        "(python -m mnist_core train --pen-augment)."
    ]
    assert "pen_augment" not in query_from_config(config.replace(pen_augment=True))
