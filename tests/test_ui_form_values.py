"""Tests for pages/ui/form_values.py: the Train form's values and configurations, both ways."""

import pytest

from mnist_core.architectures import CNNConfig, ConvBlock
from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.presets import PRESETS
from mnist_core.settings import Settings
from pages.ui import form_values

FULL = 60000


def round_trip(config: TrainingConfig, recipe: str, total: int = FULL, settings: Settings | None = None):
    settings = settings or Settings()
    values, rows, notices = form_values.values_from_config(config, total, settings)
    return form_values.config_from_form(recipe, values, rows, total, settings), notices


def test_blocks_round_trip_through_table_rows():
    config = PRESETS["fast-cnn"].config
    _, rows, _ = form_values.values_from_config(config, FULL, Settings())
    assert form_values.blocks_from_rows(rows) == config.model.conv_blocks


def test_blocks_from_edited_rows_accept_floats_and_a_missing_pooling_tick():
    rows = [{"filters": 16.0, "kernel_size": 3.0, "strides": 1.0, "pooling": None}]
    assert form_values.blocks_from_rows(rows) == (ConvBlock(16, 3, 1, pooling=False),)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no conv blocks"),
        (
            [{"filters": None, "kernel_size": 3, "strides": 1, "pooling": True}],
            "block 1: the filters cell is empty",
        ),
        (
            [
                {"filters": 8, "kernel_size": 3, "strides": 1, "pooling": True},
                {"filters": 8, "kernel_size": float("nan"), "strides": 1, "pooling": True},
            ],
            "block 2: the kernel_size cell is empty",
        ),
        ([{"filters": 8, "kernel_size": 12, "strides": 1, "pooling": True}], "Conv block 1: kernel_size=12"),
        ([{"filters": 8.5, "kernel_size": 3, "strides": 1, "pooling": True}], "8.5 is not a whole number"),
    ],
)
def test_blocks_from_rows_names_the_bad_block(rows, message):
    with pytest.raises(ConfigError, match=message):
        form_values.blocks_from_rows(rows)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips_through_the_form(name):
    config, notices = round_trip(PRESETS[name].config, name)
    assert config == PRESETS[name].config
    assert notices == []


def test_form_round_trips_explicit_sizes_and_stopping_rules():
    config = TrainingConfig(
        model=CNNConfig(batch_norm=True, dense_units=()),
        validation_size=1000,
        train_size=300,
        early_stopping_patience=3,
        target_val_accuracy=0.97,
        augment=True,
    )
    assert round_trip(config, "custom CNN")[0] == config


def test_sizes_are_text_the_one_list_parser_reads():
    values, _, _ = form_values.values_from_config(TrainingConfig(), FULL, Settings())
    assert values["hidden_units"] == "128" and values["dense_units"] == "128"
    for text, message in (
        ("", "is empty"),
        ("128,,64", "entry 2 is empty"),
        ("128, 0", r"hidden_units\[1\]=0"),
    ):
        with pytest.raises(ConfigError, match=message):
            form_values.config_from_form("custom MLP", {**values, "hidden_units": text}, [], FULL, Settings())


def test_switched_off_fields_become_none():
    values, rows, _ = form_values.values_from_config(
        TrainingConfig(early_stopping_patience=4), FULL, Settings()
    )
    assert (
        values["early_stopping_patience"] == 4 and values[form_values.switch_key("early_stopping_patience")]
    )
    values[form_values.switch_key("early_stopping_patience")] = False
    config = form_values.config_from_form("custom MLP", values, rows, FULL, Settings())
    assert config.early_stopping_patience is None


def test_values_are_lowered_to_the_caps_with_notices():
    settings = Settings(max_epochs=5, max_train_size=1000)
    config = PRESETS["seed-mlp-128"].config.replace(epochs=40)
    values, _, notices = form_values.values_from_config(config, FULL, settings)
    assert values["epochs"] == 5 and values["train_size"] == 1000
    assert any("epochs=40 is above this server's cap of 5" in notice for notice in notices)


def test_a_train_size_cap_keeps_the_train_size_explicit():
    # With MNIST_MAX_TRAIN_SIZE set, "all examples" would break the cap, so the size stays explicit.
    settings = Settings(max_train_size=20000)
    config, _ = round_trip(TrainingConfig(), "custom MLP", settings=settings)
    assert config.train_size == 20000


def test_validation_size_that_leaves_no_training_data_is_refused():
    values, rows, _ = form_values.values_from_config(TrainingConfig(), 1000, Settings())
    values["validation_size"] = 1000
    with pytest.raises(ConfigError, match="leaves no training data"):
        form_values.config_from_form("custom MLP", values, rows, 1000, Settings())
