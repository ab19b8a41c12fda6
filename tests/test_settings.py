"""Tests for mnist_core.settings: server settings from the environment, and the caps they set."""

import pytest

from mnist_core.config import CNNConfig, ConvBlock, MLPConfig, TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.settings import Settings, check_caps, load_settings

VARIABLES = {
    "MNIST_MAX_TRAININGS": "max_concurrent_trainings",
    "MNIST_MAX_EPOCHS": "max_epochs",
    "MNIST_MAX_UNITS": "max_hidden_units",
    "MNIST_MAX_TRAIN_SIZE": "max_train_size",
    "MNIST_SESSION_TIMEOUT_S": "session_timeout_s",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for variable in [*VARIABLES, "MNIST_NPZ"]:
        monkeypatch.delenv(variable, raising=False)


def test_load_settings_defaults_without_environment():
    assert load_settings() == Settings()


def test_load_settings_reads_every_variable(monkeypatch):
    for number, variable in enumerate(VARIABLES, start=11):
        monkeypatch.setenv(variable, f" {number} ")
    monkeypatch.setenv("MNIST_NPZ", "  /data/mnist.npz ")

    settings = load_settings()

    assert settings.mnist_npz == "/data/mnist.npz"
    for number, field_name in enumerate(VARIABLES.values(), start=11):
        assert getattr(settings, field_name) == number


@pytest.mark.parametrize("variable", sorted(VARIABLES))
def test_load_settings_empty_value_uses_default(monkeypatch, variable):
    monkeypatch.setenv(variable, "  ")

    assert load_settings() == Settings()


@pytest.mark.parametrize("variable", sorted(VARIABLES))
@pytest.mark.parametrize("value", ["many", "2.5", "0x10"])
def test_load_settings_not_a_number_raises_naming_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=f"{variable}='{value}' is not a whole number"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MNIST_MAX_TRAININGS", "0"),
        ("MNIST_MAX_EPOCHS", "-1"),
        ("MNIST_MAX_UNITS", "0"),
        ("MNIST_MAX_TRAIN_SIZE", "9"),
        ("MNIST_SESSION_TIMEOUT_S", "4"),
    ],
)
def test_load_settings_below_minimum_raises_naming_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=f"{variable}={value} is below"):
        load_settings()


CAPS = Settings(max_epochs=10, max_hidden_units=256, max_train_size=20000)
WITHIN = TrainingConfig(model=MLPConfig(hidden_units=(256, 64)), epochs=10, train_size=20000)


def test_check_caps_accepts_config_within_caps():
    check_caps(WITHIN, CAPS)
    check_caps(WITHIN.replace(model=CNNConfig(conv_blocks=(ConvBlock(256),), dense_units=(8,))), CAPS)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            WITHIN.replace(epochs=11),
            r"epochs=11 is above this server's cap of 10 \(set by MNIST_MAX_EPOCHS\)",
        ),
        (
            WITHIN.replace(model=MLPConfig(hidden_units=(64, 257))),
            r"layer width=257 is above this server's cap of 256 \(set by MNIST_MAX_UNITS\)",
        ),
        (
            WITHIN.replace(model=CNNConfig(conv_blocks=(ConvBlock(512),))),
            r"layer width=512 .*MNIST_MAX_UNITS",
        ),
        (
            WITHIN.replace(model=CNNConfig(dense_units=(300,))),
            r"layer width=300 .*MNIST_MAX_UNITS",
        ),
        (
            WITHIN.replace(train_size=20001),
            r"train_size=20001 .*cap of 20000 \(set by MNIST_MAX_TRAIN_SIZE\)",
        ),
        (WITHIN.replace(train_size=None), r"train_size=60000 .*MNIST_MAX_TRAIN_SIZE"),
    ],
)
def test_check_caps_refuses_config_above_cap_naming_variable(config, message):
    with pytest.raises(ConfigError, match=message):
        check_caps(config, CAPS)
