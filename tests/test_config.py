"""Tests for mnist_core.config: validation, round trips and refusal of unknown fields."""

import json

import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig, config_from_dict, model_config_from_dict
from mnist_core.errors import ConfigError
from mnist_core.presets import PRESETS


def test_defaults_valid():
    config = TrainingConfig()

    assert config.model == MLPConfig(hidden_units=(128,), activation="relu", dropout_rate=0.0)
    assert (config.optimizer, config.learning_rate, config.lr_schedule) == ("adam", 1e-3, "constant")
    assert (config.batch_size, config.epochs, config.seed) == (128, 5, 0)
    assert config.validation_size is None and config.train_size is None
    assert CNNConfig().feature_map_sizes() == [13, 5]


def test_config_error_is_value_error():
    with pytest.raises(ValueError, match="epochs"):
        TrainingConfig(epochs=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("epochs", 0),
        ("epochs", -3),
        ("epochs", 2.5),
        ("epochs", True),
        ("batch_size", 0),
        ("learning_rate", 0.0),
        ("learning_rate", -0.01),
        ("learning_rate", "fast"),
        ("optimizer", "adagrad"),
        ("lr_schedule", "step"),
        ("seed", -1),
        ("train_size", 5),
        ("validation_size", -1),
        ("augment", "yes"),
        ("pen_augment", 1),
        ("early_stopping_patience", 0),
        ("target_val_accuracy", 0.0),
        ("target_val_accuracy", 1.5),
        ("model", "mlp"),
    ],
)
def test_training_config_invalid_field_raises_naming_field(field, value):
    with pytest.raises(ConfigError, match=field):
        TrainingConfig(**{field: value})


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: MLPConfig(dropout_rate=1.0), "dropout_rate"),
        (lambda: MLPConfig(dropout_rate=-0.1), "dropout_rate"),
        (lambda: MLPConfig(activation="swish"), "activation"),
        (lambda: MLPConfig(hidden_units=(64, 0)), r"hidden_units\[1\]"),
        (lambda: MLPConfig(hidden_units=(8,) * 9), "number of hidden layers"),
        (lambda: CNNConfig(activation="softplus"), "activation"),
        (lambda: CNNConfig(conv_dropout_rate=1.0), "conv_dropout_rate"),
        (lambda: CNNConfig(dense_dropout_rate=1.0), "dense_dropout_rate"),
        (lambda: CNNConfig(conv_blocks=()), "number of conv blocks"),
        (lambda: CNNConfig(dense_units=(0,)), r"dense_units\[0\]"),
        (lambda: CNNConfig(batch_norm="no"), "batch_norm"),
        (lambda: ConvBlock(filters=0), "filters"),
        (lambda: ConvBlock(kernel_size=10), "kernel_size"),
        (lambda: ConvBlock(strides=4), "strides"),
        (lambda: ConvBlock(pooling=1), "pooling"),
    ],
)
def test_model_config_invalid_field_raises_naming_field(build, field):
    with pytest.raises(ConfigError, match=field):
        build()


def test_conv_blocks_shrinking_image_to_nothing_raise():
    # 28 -> 13 -> 5 -> 1 after three 3x3 conv + pool blocks; a fourth has nothing left to convolve.
    CNNConfig(conv_blocks=(ConvBlock(8),) * 3)
    with pytest.raises(ConfigError, match="conv block 4 shrinks the 28x28 image to nothing"):
        CNNConfig(conv_blocks=(ConvBlock(8),) * 4)
    with pytest.raises(ConfigError, match="conv block 2"):
        CNNConfig(conv_blocks=(ConvBlock(8, kernel_size=9, strides=3), ConvBlock(8, kernel_size=9)))


def test_replace_validates_again():
    config = TrainingConfig()

    assert config.replace(epochs=2).epochs == 2
    with pytest.raises(ConfigError, match="batch_size"):
        config.replace(batch_size=0)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_to_dict_round_trip_every_preset(name):
    config = PRESETS[name].config
    data = config.to_dict()

    assert data["model"]["kind"] == config.model.kind
    assert config_from_dict(data) == config
    # Through JSON, as in a sidecar file: tuples come back as lists and conv blocks as dicts.
    assert config_from_dict(json.loads(json.dumps(data))) == config


def test_config_from_dict_unknown_training_field_refused():
    data = {**TrainingConfig().to_dict(), "momentum": 0.9}

    with pytest.raises(ConfigError, match="momentum"):
        config_from_dict(data)


def test_config_from_dict_unknown_model_field_refused():
    with pytest.raises(ConfigError, match="units"):
        model_config_from_dict({"kind": "mlp", "units": 32})
    with pytest.raises(ConfigError, match="padding"):
        model_config_from_dict({"kind": "cnn", "conv_blocks": [{"filters": 8, "padding": "same"}]})


def test_model_config_from_dict_unknown_kind_refused():
    with pytest.raises(ConfigError, match="'rnn'"):
        model_config_from_dict({"kind": "rnn"})
    with pytest.raises(ConfigError, match="None"):
        model_config_from_dict({"hidden_units": [8]})


MALFORMED_VALUES = [
    None,
    "",
    "x",
    -1,
    0,
    1.5,
    float("nan"),
    float("inf"),
    True,
    10**30,
    b"x",
    [],
    [None],
    [[1]],
    {},
    {"a": 1},
    [{"filters": "x"}],
    [{"kind": "cnn"}],
]


def _paths(data, prefix=()):
    """Every key path in a to_dict() tree, including each conv block's fields."""
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _paths(value, (*prefix, key))
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _paths(item, (*prefix, key, index))


def _with_value(data, path, value):
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@pytest.mark.parametrize("model", [MLPConfig(), CNNConfig()], ids=["mlp", "cnn"])
def test_config_from_dict_refuses_every_malformed_value_with_config_error(model):
    data = TrainingConfig(model=model).to_dict()
    escaped = []
    for path in _paths(data):
        for value in MALFORMED_VALUES:
            try:
                config_from_dict(_with_value(data, path, value))
            except ConfigError:
                pass
            except Exception as error:  # noqa: BLE001 - the point is that nothing else escapes
                escaped.append(f"{path}={value!r}: {type(error).__name__}")

    assert escaped == []


@pytest.mark.parametrize("data", [None, "cnn", [1, 2], 3, {"model": "cnn"}, {"model": [1]}])
def test_config_from_dict_refuses_wrong_shapes_with_config_error(data):
    with pytest.raises(ConfigError):
        config_from_dict(data)
