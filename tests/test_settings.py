"""Tests for mnist_core.settings: server settings from the environment, and the caps they set."""

import pytest

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.settings import SETTING_FIELDS, Settings, check_caps, load_settings

# Every whole-number setting, by its environment variable.
VARIABLES = {item.metadata["variable"]: item.name for item in SETTING_FIELDS if item.type not in (str, "str")}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for variable in [*VARIABLES, "MNIST_NPZ", "MNIST_WORKSPACE_DIR", "XDG_DATA_HOME"]:
        monkeypatch.delenv(variable, raising=False)


def test_load_settings_defaults_without_environment():
    assert load_settings() == Settings()


def test_load_settings_reads_every_variable(monkeypatch):
    for number, variable in enumerate(VARIABLES, start=1001):
        monkeypatch.setenv(variable, f" {number} ")
    monkeypatch.setenv("MNIST_NPZ", "  /data/mnist.npz ")

    settings = load_settings()

    assert settings.mnist_npz == "/data/mnist.npz"
    for number, field_name in enumerate(VARIABLES.values(), start=1001):
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
        ("MNIST_MAX_FILTERS", "0"),
        ("MNIST_MAX_TRAIN_SIZE", "9"),
        ("MNIST_MAX_PARAMS", "999"),
        ("MNIST_SESSION_TIMEOUT_S", "4"),
    ],
)
def test_load_settings_below_minimum_raises_naming_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=f"{variable}={value} is below"):
        load_settings()


CAPS = Settings(max_epochs=10, max_units=256, max_filters=256, max_train_size=20000)
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
            r"units in a dense layer=257 is above this server's cap of 256 \(set by MNIST_MAX_UNITS\)",
        ),
        (
            WITHIN.replace(model=CNNConfig(conv_blocks=(ConvBlock(512),))),
            r"filters in a convolution=512 .*MNIST_MAX_FILTERS",
        ),
        (
            WITHIN.replace(model=CNNConfig(dense_units=(300,))),
            r"units in a dense layer=300 .*MNIST_MAX_UNITS",
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


# The adversarial review's model: six conv blocks of 512 filters, stride 1, no pooling, and Dense 1024.
HUGE = TrainingConfig(
    model=CNNConfig(conv_blocks=(ConvBlock(512, pooling=False),) * 6, dense_units=(1024,)), batch_size=10
)


def test_check_caps_refuses_the_huge_model_under_the_default_caps():
    with pytest.raises(ConfigError, match=r"parameters=146,.* is above this server's cap of 5,000,000"):
        check_caps(HUGE, Settings())


@pytest.mark.parametrize(
    ("config", "settings", "message"),
    [
        (
            HUGE,
            Settings(max_params=10**9),
            r"memory per training step \(est.\)=.*GB is above .*MNIST_MAX_TRAINING_MB",
        ),
        (
            TrainingConfig(
                model=CNNConfig(conv_blocks=(ConvBlock(128, pooling=False), ConvBlock(128))), epochs=50
            ),
            Settings(),
            r"run time \(est.\)=.* is above this server's cap of 30 min 0 s \(set by MNIST_MAX_RUN_MINUTES\)",
        ),
    ],
)
def test_check_caps_bounds_memory_and_run_time(config, settings, message):
    with pytest.raises(ConfigError, match=message):
        check_caps(config, settings)


def test_check_caps_accepts_every_preset_and_the_shipped_recipes():
    from mnist_core.presets import PRESETS

    for preset in PRESETS.values():
        check_caps(preset.config.replace(epochs=20, augment=True), Settings())


def test_workspace_root_defaults_to_the_users_data_folder(monkeypatch, tmp_path):
    from mnist_core.settings import workspace_root

    monkeypatch.setenv("HOME", str(tmp_path))
    assert workspace_root(load_settings()) == tmp_path / ".local" / "share" / "mnist-playground"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert workspace_root(load_settings()) == tmp_path / "data" / "mnist-playground"
    monkeypatch.setenv("MNIST_WORKSPACE_DIR", " ~/classroom ")
    assert workspace_root(load_settings()) == tmp_path / "classroom"
