"""Typed configuration for models and training runs: the one table of training fields.

Each field's label, help text, kind and limits sit beside it (`fields.spec`);
validation, the command line, teacher links and the Train form all derive from
them. An invalid combination is refused with a `ConfigError` naming the field,
the value and the valid range before any TensorFlow work starts.
Configurations round-trip through plain dicts (`to_dict` / `config_from_dict`)
for JSON sidecars.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mnist_core.architectures import CNNConfig, MLPConfig, ModelConfig
from mnist_core.errors import ConfigError, quoted
from mnist_core.fields import spec, validate

OPTIMIZERS = ("adam", "sgd", "rmsprop")
LR_SCHEDULES = ("constant", "one_cycle")
MODEL_KINDS = ("mlp", "cnn")
MNIST_TRAIN_SIZE = 60000
MNIST_TEST_SIZE = 10000
DEFAULT_VALIDATION_FRACTION = 0.1
MIN_TRAIN_SIZE = 10


@dataclass(frozen=True)
class TrainingConfig:
    """A whole training run: the model (not a table field) and how to train it."""

    model: ModelConfig = field(default_factory=MLPConfig)
    optimizer: str = spec(
        "adam", label="Optimizer", help="How the weights are updated.", kind="choice", choices=OPTIMIZERS
    )
    learning_rate: float = spec(
        1e-3,
        label="Learning rate",
        help="Peak step size. Adam likes about 0.001; try 10 to see a run blow up.",
        kind="float",
        minimum=0.0,
        maximum=100.0,
        low_open=True,
        step=0.0005,
    )
    lr_schedule: str = spec(
        "constant",
        label="Learning-rate schedule",
        help="constant, or one_cycle: warm up for the first 20% of steps, then cosine decay to zero.",
        kind="choice",
        choices=LR_SCHEDULES,
    )
    batch_size: int = spec(
        128,
        label="Batch size",
        help="Examples per gradient step.",
        kind="int",
        minimum=1,
        maximum=8192,
        step=32,
    )
    epochs: int = spec(
        5, label="Epochs", help="Passes over the training data.", kind="int", minimum=1, maximum=1000
    )
    validation_size: int | None = spec(
        None,
        label="Validation examples",
        help="Held out from the end of the training set to watch for overfitting (none: the last 10%).",
        kind="int",
        minimum=0,
        maximum=MNIST_TRAIN_SIZE - MIN_TRAIN_SIZE,
        optional=True,
        step=1000,
    )
    train_size: int | None = spec(
        None,
        label="Training examples",
        help="Train on the first this many digits after the split (none: all of them).",
        kind="int",
        minimum=MIN_TRAIN_SIZE,
        maximum=MNIST_TRAIN_SIZE,
        optional=True,
        step=1000,
    )
    seed: int = spec(
        0, label="Seed", help="Same seed and settings, same run.", kind="int", minimum=0, maximum=2**31 - 1
    )
    augment: bool = spec(
        False,
        label="Augment images",
        help="Random shifts, rotations, zooms and stroke widths: slower, better on drawings.",
        kind="bool",
    )
    pen_augment: bool = spec(
        False,
        label="Pen-drawn copies",
        help="Also train on the digits re-drawn with a random pen, as the canvas draws them "
        "(mnist_core.pen_augment; needs scikit-image; drawn once in minutes, then cached).",
        kind="bool",
        command_line_only=True,
    )
    early_stopping_patience: int | None = spec(
        None,
        label="Early stopping patience (epochs)",
        help="End after this many epochs without a better validation loss, keeping the best weights.",
        kind="int",
        minimum=1,
        maximum=100,
        optional=True,
    )
    target_val_accuracy: float | None = spec(
        None,
        label="Target validation accuracy",
        help="Stop once validation accuracy reaches this.",
        kind="float",
        minimum=0.0,
        maximum=1.0,
        low_open=True,
        optional=True,
        step=0.005,
    )

    def __post_init__(self) -> None:
        if not isinstance(self.model, (MLPConfig, CNNConfig)):
            raise ConfigError(f"model={quoted(self.model)} must be an MLPConfig or a CNNConfig.")
        validate(self)

    def replace(self, **changes: Any) -> TrainingConfig:
        """Returns a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict; `config_from_dict` reverses it."""
        data = dataclasses.asdict(self)
        data["model"] = {"kind": self.model.kind, **data["model"]}
        return data


MODEL_CLASSES = {"mlp": MLPConfig, "cnn": CNNConfig}


def model_config_from_dict(data: Any) -> ModelConfig:
    """Builds an MLPConfig or CNNConfig from a dict with a "kind" key.

    Raises:
        ConfigError: Not a dict, unknown kind, unknown fields, or invalid values.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"model={quoted(data)} must be a mapping with a 'kind' key.")
    data = dict(data)
    kind = data.pop("kind", None)
    if not isinstance(kind, str) or kind not in MODEL_CLASSES:
        raise ConfigError(f"model kind {quoted(kind)} is not supported; choose 'mlp' or 'cnn'.")
    return _build(MODEL_CLASSES[kind], data)


def config_from_dict(data: Any) -> TrainingConfig:
    """Builds a TrainingConfig from `TrainingConfig.to_dict` output.

    Raises:
        ConfigError: Not a dict, unknown fields or invalid values; never another exception type.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"configuration={quoted(data)} must be a mapping of field names to values.")
    data = dict(data)
    if "model" in data:
        data["model"] = model_config_from_dict(data["model"])
    return _build(TrainingConfig, data)


def _build(cls: type, data: Any) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{cls.__name__}={quoted(data)} must be a mapping of field names to values.")
    known = {item.name for item in dataclasses.fields(cls)}
    unknown = sorted(str(name) for name in set(data) - known)
    if unknown:
        raise ConfigError(
            f"unknown {cls.__name__} field(s) {quoted(', '.join(unknown))}; "
            f"valid fields are {', '.join(sorted(known))}."
        )
    try:
        return cls(**data)
    except ConfigError:
        raise
    except (TypeError, ValueError, AttributeError) as error:
        raise ConfigError(f"invalid {cls.__name__}: {quoted(str(error))}.") from None
