"""The Train form's values and `TrainingConfig`, converted both ways without Streamlit.

The form keeps one value per field of the table, under the field's own name
(layer sizes as text such as "128, 64", conv blocks as table rows, an
optional field as a number plus an on/off switch); `config_from_form` reads
them through the same `overrides.with_fields` the command line and the links
use, so every surface accepts the same values.
"""

from __future__ import annotations

import math
from typing import Any

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.fields import format_text
from mnist_core.overrides import BLOCK_FIELDS, MODEL_FIELDS, TRAINING_FIELDS, surface_fields, with_fields
from mnist_core.presets import recipe_config
from mnist_core.settings import Settings
from mnist_core.sizing import default_validation_size, split_sizes

BLOCK_COLUMNS = tuple(BLOCK_FIELDS)
# Optional fields the form shows as a number and a switch ("<name>.on"); the number's value when off.
SWITCHED = {"early_stopping_patience": 2, "target_val_accuracy": 0.99}


def switch_key(name: str) -> str:
    return f"{name}.on"


def form_fields(kind: str) -> list[str]:
    """The fields the form shows as widgets for a model kind (conv blocks are table columns instead)."""
    return [name for name in surface_fields(kind) if name not in BLOCK_FIELDS]


def values_from_config(
    config: TrainingConfig, total: int, settings: Settings
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """Form values for a configuration, clamped to this server's caps.

    Args:
        config: The configuration to show.
        total: Training examples available before the validation split.
        settings: The server's caps.

    Returns:
        (widget values by field name, conv block rows, notices about values changed to fit the caps).
    """
    model = config.model
    mlp = model if isinstance(model, MLPConfig) else MLPConfig()
    cnn = model if isinstance(model, CNNConfig) else CNNConfig()
    values: dict[str, Any] = {}
    for name in dict.fromkeys([*form_fields("mlp"), *form_fields("cnn")]):
        source = config if name in TRAINING_FIELDS else mlp if name in MODEL_FIELDS["mlp"] else cnn
        value = getattr(source, name)
        values[name] = format_text(value) if isinstance(value, tuple) else value
    values["activation"] = model.activation
    _, validation = split_sizes(config, total)
    values["validation_size"] = min(validation, total - 10)
    values["train_size"] = min(config.train_size or total - validation, settings.max_train_size, total)
    values["epochs"] = min(config.epochs, settings.max_epochs)
    notices = [
        f"{name}={wanted} is above this server's cap of {cap} ({variable}); using {values[name]}."
        for name, wanted, cap, variable in (
            ("train_size", config.train_size, settings.max_train_size, "MNIST_MAX_TRAIN_SIZE"),
            ("epochs", config.epochs, settings.max_epochs, "MNIST_MAX_EPOCHS"),
        )
        if wanted is not None and wanted > cap
    ]
    for name, off_value in SWITCHED.items():
        value = getattr(config, name)
        values[switch_key(name)] = value is not None
        values[name] = off_value if value is None else value
    rows = [{column: getattr(block, column) for column in BLOCK_COLUMNS} for block in cnn.conv_blocks]
    return values, rows, notices


def config_from_form(
    recipe: str, values: dict[str, Any], rows: list[dict[str, Any]], total: int, settings: Settings
) -> TrainingConfig:
    """The whole configuration from form values, through the table's `with_fields`.

    The default validation split and "all remaining examples" become None, so
    links and run names stay short.

    Raises:
        ConfigError: A bad value, naming the field (and the conv block).
    """
    base = recipe_config(recipe)
    kind = base.model.kind
    fields = {name: values[name] for name in form_fields(kind)}
    for name in SWITCHED:
        if not values[switch_key(name)]:
            fields[name] = None
    validation = int(values["validation_size"])
    if validation >= total:
        raise ConfigError(
            f"Validation examples={validation:,} leaves no training data out of {total:,}; "
            f"choose fewer than {total:,}."
        )
    fields["validation_size"] = None if validation == default_validation_size(total) else validation
    uses_all = int(values["train_size"]) >= total - validation and settings.max_train_size >= total
    fields["train_size"] = None if uses_all else int(values["train_size"])
    if kind == "cnn":
        blocks = blocks_from_rows(rows)
        fields.update({column: tuple(getattr(block, column) for block in blocks) for column in BLOCK_COLUMNS})
    return with_fields(base, fields)


def blocks_from_rows(rows: list[dict[str, Any]]) -> tuple[ConvBlock, ...]:
    """Conv blocks from the edited table rows.

    Raises:
        ConfigError: No rows, an empty cell, or a value out of range (naming the block).
    """
    if not rows:
        raise ConfigError("The network has no conv blocks; add at least one row to the table.")
    blocks = []
    for number, row in enumerate(rows, start=1):
        values = {}
        for column in BLOCK_COLUMNS:
            value = row.get(column)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                if column == "pooling":
                    value = False
                else:
                    raise ConfigError(f"Conv block {number}: the {column} cell is empty; enter a number.")
            values[column] = bool(value) if column == "pooling" else _whole(value, f"Conv block {number}")
        try:
            blocks.append(ConvBlock(**values))
        except ConfigError as error:
            raise ConfigError(f"Conv block {number}: {error}") from None
    return tuple(blocks)


def _whole(value: Any, where: str) -> int:
    number = float(value)
    if not number.is_integer():
        raise ConfigError(f"{where}: {value} is not a whole number.")
    return int(number)
