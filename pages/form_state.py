"""The Train page's form values and `TrainingConfig`, converted both ways without Streamlit.

The form keeps plain values (layer sizes as text such as "128, 64", conv
blocks as table rows); these functions turn them into a validated
configuration, raising `ConfigError` with a message for the widget concerned,
and turn a configuration (a preset, a link's query parameters) back into
form values.
"""

from __future__ import annotations

import math
from typing import Any

from mnist_core.config import CNNConfig, ConvBlock, MLPConfig, ModelConfig, TrainingConfig
from mnist_core.data import DEFAULT_VALIDATION_FRACTION
from mnist_core.errors import ConfigError
from mnist_core.presets import PRESETS
from mnist_core.settings import Settings

CUSTOM = {"mlp": "custom MLP", "cnn": "custom CNN"}
RECIPES = [*PRESETS, *CUSTOM.values()]
BLOCK_COLUMNS = ("filters", "kernel_size", "strides", "pooling")
FULL_TRAIN_SET = 60000


def recipe_config(recipe: str) -> TrainingConfig:
    """The configuration a recipe (a preset name or "custom MLP"/"custom CNN") starts from."""
    if recipe in PRESETS:
        return PRESETS[recipe].config
    return TrainingConfig(model=CNNConfig() if recipe == CUSTOM["cnn"] else MLPConfig())


def recipe_for(config: TrainingConfig, preset_name: str | None) -> str:
    """The recipe to show for a configuration: its preset if the model kind matches, else custom."""
    if preset_name in PRESETS and PRESETS[preset_name].config.model.kind == config.model.kind:
        return preset_name
    return CUSTOM[config.model.kind]


def run_label(config: TrainingConfig, recipe: str) -> str:
    """A short name for a run: the preset, "<preset> (edited)", or "custom MLP"/"custom CNN"."""
    if recipe not in PRESETS or PRESETS[recipe].config.model.kind != config.model.kind:
        return CUSTOM[config.model.kind]
    return recipe if PRESETS[recipe].config == config else f"{recipe} (edited)"


def preset_name(recipe: str) -> str | None:
    """The preset behind a recipe, or None for a custom one."""
    return recipe if recipe in PRESETS else None


def parse_sizes(text: str, what: str) -> tuple[int, ...]:
    """Layer sizes from text such as "128, 64"; "none" means no layers.

    Raises:
        ConfigError: Empty text, an empty entry, or a size that is not a whole number >= 1.
    """
    cleaned = str(text).strip()
    if cleaned.lower() == "none":
        return ()
    if not cleaned:
        raise ConfigError(f"{what} is empty; enter sizes such as 128, 64 (or none for no layers).")
    sizes = []
    for position, part in enumerate(cleaned.replace(";", ",").split(","), start=1):
        part = part.strip()
        if not part:
            raise ConfigError(
                f"{what}: entry {position} is empty; enter a size such as 128 or drop the comma."
            )
        try:
            size = int(part)
        except ValueError:
            raise ConfigError(f"{what}: {part!r} is not a whole number; enter sizes like 128, 64.") from None
        if size < 1:
            raise ConfigError(f"{what}: layer {position} has {size} units; each layer needs at least 1.")
        sizes.append(size)
    return tuple(sizes)


def format_sizes(sizes: tuple[int, ...]) -> str:
    """The text `parse_sizes` reads back: "128, 64", or "none"."""
    return ", ".join(str(size) for size in sizes) or "none"


def block_rows(blocks: tuple[ConvBlock, ...]) -> list[dict[str, Any]]:
    """Conv blocks as table rows for st.data_editor."""
    return [{column: getattr(block, column) for column in BLOCK_COLUMNS} for block in blocks]


def blocks_from_rows(rows: list[dict[str, Any]]) -> tuple[ConvBlock, ...]:
    """Conv blocks from edited table rows.

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


def default_validation_size(total: int) -> int:
    """What `make_splits` holds out when validation_size is None."""
    return round(total * DEFAULT_VALIDATION_FRACTION)


def validation_size(config: TrainingConfig, total: int) -> int:
    """Examples a run of `config` holds out for validation."""
    if config.validation_size is None:
        return default_validation_size(total)
    return config.validation_size


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
    notices = []
    model = config.model
    mlp = model if isinstance(model, MLPConfig) else MLPConfig()
    cnn = model if isinstance(model, CNNConfig) else CNNConfig()
    validation = min(validation_size(config, total), total - 10)
    train_cap = min(settings.max_train_size, total)
    train_size = min(config.train_size or total - validation, train_cap)
    if config.train_size and config.train_size > settings.max_train_size:
        notices.append(
            f"train_size={config.train_size} is above this server's cap of {settings.max_train_size} "
            f"(MNIST_MAX_TRAIN_SIZE); using {train_size}."
        )
    epochs = min(config.epochs, settings.max_epochs)
    if config.epochs > settings.max_epochs:
        notices.append(
            f"epochs={config.epochs} is above this server's cap of {settings.max_epochs} "
            f"(MNIST_MAX_EPOCHS); using {epochs}."
        )
    values = {
        "hidden_units": format_sizes(mlp.hidden_units),
        "activation": model.activation,
        "dropout_rate": float(mlp.dropout_rate),
        "batch_norm": cnn.batch_norm,
        "conv_dropout_rate": float(cnn.conv_dropout_rate),
        "dense_units": format_sizes(cnn.dense_units),
        "dense_dropout_rate": float(cnn.dense_dropout_rate),
        "optimizer": config.optimizer,
        "learning_rate": float(config.learning_rate),
        "lr_schedule": config.lr_schedule,
        "batch_size": config.batch_size,
        "epochs": epochs,
        "validation_size": validation,
        "train_size": train_size,
        "seed": config.seed,
        "augment": config.augment,
        "early_stopping": config.early_stopping_patience is not None,
        "patience": config.early_stopping_patience or 2,
        "use_target": config.target_val_accuracy is not None,
        "target_val_accuracy": float(config.target_val_accuracy or 0.99),
    }
    return values, block_rows(cnn.conv_blocks), notices


def model_from_values(kind: str, values: dict[str, Any], rows: list[dict[str, Any]]) -> ModelConfig:
    """The architecture from form values.

    Raises:
        ConfigError: An invalid layer size, block or rate.
    """
    if kind == "mlp":
        hidden = parse_sizes(values["hidden_units"], "Hidden layer sizes")
        return MLPConfig(hidden, activation=values["activation"], dropout_rate=values["dropout_rate"])
    return CNNConfig(
        conv_blocks=blocks_from_rows(rows),
        activation=values["activation"],
        batch_norm=bool(values["batch_norm"]),
        conv_dropout_rate=values["conv_dropout_rate"],
        dense_units=parse_sizes(values["dense_units"], "Dense layer sizes"),
        dense_dropout_rate=values["dense_dropout_rate"],
    )


def training_from_values(
    model: ModelConfig, values: dict[str, Any], total: int, settings: Settings
) -> TrainingConfig:
    """The whole configuration from form values.

    The default validation split and "all remaining examples" become None,
    so links and run names stay short.

    Raises:
        ConfigError: An invalid training setting.
    """
    validation = int(values["validation_size"])
    if validation >= total:
        raise ConfigError(
            f"Validation examples={validation:,} leaves no training data out of {total:,}; "
            f"choose fewer than {total:,}."
        )
    train_size = int(values["train_size"])
    uses_all = train_size >= total - validation and settings.max_train_size >= FULL_TRAIN_SET
    return TrainingConfig(
        model=model,
        optimizer=values["optimizer"],
        learning_rate=float(values["learning_rate"]),
        lr_schedule=values["lr_schedule"],
        batch_size=int(values["batch_size"]),
        epochs=int(values["epochs"]),
        validation_size=None if validation == default_validation_size(total) else validation,
        train_size=None if uses_all else train_size,
        seed=int(values["seed"]),
        augment=bool(values["augment"]),
        early_stopping_patience=int(values["patience"]) if values["early_stopping"] else None,
        target_val_accuracy=float(values["target_val_accuracy"]) if values["use_target"] else None,
    )


def train_examples(config: TrainingConfig, total: int) -> int:
    """How many examples a run of `config` trains on, out of `total` before the split."""
    available = max(total - validation_size(config, total), 0)
    return min(config.train_size or available, available)
