"""Typed configuration for models and training runs.

Every field is validated in `__post_init__`, so an invalid combination is
refused with a `ConfigError` naming the field, the value and the valid range
before any TensorFlow work starts. Configurations round-trip through plain
dicts (`to_dict` / `config_from_dict`) for JSON sidecars and URLs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mnist_core.errors import ConfigError

ACTIVATIONS = ("relu", "gelu", "elu", "tanh", "sigmoid")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
LR_SCHEDULES = ("constant", "one_cycle")
IMAGE_SIZE = 28
NUM_CLASSES = 10


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not supported; choose one of {', '.join(choices)}.")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name}={value!r} is out of range; use a whole number from {low} to {high}.")


def _check_rate(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (low < value if low_open else low <= value) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        raise ConfigError(f"{name}={value!r} is out of range; use a number in {bracket}{low}, {high}].")


@dataclass(frozen=True)
class MLPConfig:
    """A multi-layer perceptron on the flattened 28x28 image.

    Attributes:
        hidden_units: Units of each hidden dense layer, input side first.
        activation: Activation of the hidden layers.
        dropout_rate: Dropout after each hidden layer (0 disables it).
    """

    hidden_units: tuple[int, ...] = (128,)
    activation: str = "relu"
    dropout_rate: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_units", tuple(self.hidden_units))
        _check_int("number of hidden layers", len(self.hidden_units), 0, 8)
        for index, units in enumerate(self.hidden_units):
            _check_int(f"hidden_units[{index}]", units, 1, 4096)
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_rate("dropout_rate", self.dropout_rate, 0.0, 0.9)

    @property
    def kind(self) -> str:
        return "mlp"


@dataclass(frozen=True)
class ConvBlock:
    """One convolution, optionally followed by 2x2 max pooling.

    Attributes:
        filters: Output channels of the convolution.
        kernel_size: Side of the square kernel.
        strides: Step of the convolution; 2 halves the image like pooling,
            at a quarter of the cost.
        pooling: Whether a 2x2 max pooling follows.
    """

    filters: int = 32
    kernel_size: int = 3
    strides: int = 1
    pooling: bool = True

    def __post_init__(self) -> None:
        _check_int("filters", self.filters, 1, 512)
        _check_int("kernel_size", self.kernel_size, 1, 9)
        _check_int("strides", self.strides, 1, 3)
        if not isinstance(self.pooling, bool):
            raise ConfigError(f"pooling={self.pooling!r} must be true or false.")


@dataclass(frozen=True)
class CNNConfig:
    """A convolutional network: conv blocks, then a dense head.

    Convolutions use "valid" padding, as in the classic Keras MNIST examples.

    Attributes:
        conv_blocks: The convolution blocks, input side first.
        activation: Activation after each convolution and hidden dense layer.
        batch_norm: Batch normalisation after each convolution.
        conv_dropout_rate: Dropout after each conv block (0 disables it).
        dense_units: Units of each hidden dense layer after flattening.
        dense_dropout_rate: Dropout after each hidden dense layer.
    """

    conv_blocks: tuple[ConvBlock, ...] = (ConvBlock(32), ConvBlock(64))
    activation: str = "relu"
    batch_norm: bool = False
    conv_dropout_rate: float = 0.0
    dense_units: tuple[int, ...] = (128,)
    dense_dropout_rate: float = 0.0

    def __post_init__(self) -> None:
        blocks = tuple(ConvBlock(**block) if isinstance(block, dict) else block for block in self.conv_blocks)
        object.__setattr__(self, "conv_blocks", blocks)
        object.__setattr__(self, "dense_units", tuple(self.dense_units))
        _check_int("number of conv blocks", len(blocks), 1, 6)
        _check_int("number of dense layers", len(self.dense_units), 0, 4)
        for index, units in enumerate(self.dense_units):
            _check_int(f"dense_units[{index}]", units, 1, 4096)
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_rate("conv_dropout_rate", self.conv_dropout_rate, 0.0, 0.9)
        _check_rate("dense_dropout_rate", self.dense_dropout_rate, 0.0, 0.9)
        if not isinstance(self.batch_norm, bool):
            raise ConfigError(f"batch_norm={self.batch_norm!r} must be true or false.")
        self.feature_map_sizes()

    @property
    def kind(self) -> str:
        return "cnn"

    def feature_map_sizes(self) -> list[int]:
        """Side of the feature map after each block.

        Raises:
            ConfigError: A block would shrink the image below 1x1.
        """
        side = IMAGE_SIZE
        sizes = []
        for index, block in enumerate(self.conv_blocks):
            side = (side - block.kernel_size) // block.strides + 1
            if block.pooling:
                side //= 2
            if side < 1:
                raise ConfigError(
                    f"conv block {index + 1} shrinks the 28x28 image to nothing; "
                    "use fewer blocks, smaller kernels or strides, or turn pooling off."
                )
            sizes.append(side)
        return sizes


ModelConfig = MLPConfig | CNNConfig


@dataclass(frozen=True)
class TrainingConfig:
    """A whole training run: the model and how to train it.

    Attributes:
        model: The architecture.
        optimizer: One of `OPTIMIZERS`.
        learning_rate: Peak learning rate.
        lr_schedule: "constant", or "one_cycle" (warm up for the first 20% of
            steps, then cosine decay to zero), which reaches good accuracy in
            fewer epochs.
        batch_size: Examples per gradient step.
        epochs: Passes over the training data.
        validation_size: Examples carved from the end of the training set for
            validation; None means the last 10%.
        train_size: Use only the first this many training examples (after the
            validation split); None means all.
        seed: Seed for weights, shuffling and augmentation.
        augment: Random shifts, rotations, zooms and stroke-width changes of
            the training images, which make drawn digits easier to recognise.
        early_stopping_patience: Stop after this many epochs without a better
            validation loss, keeping the best weights; None disables it.
        target_val_accuracy: Stop once validation accuracy reaches this;
            None disables it.
    """

    model: ModelConfig = field(default_factory=MLPConfig)
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    lr_schedule: str = "constant"
    batch_size: int = 128
    epochs: int = 5
    validation_size: int | None = None
    train_size: int | None = None
    seed: int = 0
    augment: bool = False
    early_stopping_patience: int | None = None
    target_val_accuracy: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.model, (MLPConfig, CNNConfig)):
            raise ConfigError(f"model={self.model!r} must be an MLPConfig or a CNNConfig.")
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_rate("learning_rate", self.learning_rate, 0.0, 100.0, low_open=True)
        _check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _check_int("batch_size", self.batch_size, 1, 8192)
        _check_int("epochs", self.epochs, 1, 1000)
        if self.validation_size is not None:
            _check_int("validation_size", self.validation_size, 0, 59000)
        if self.train_size is not None:
            _check_int("train_size", self.train_size, 10, 60000)
        _check_int("seed", self.seed, 0, 2**31 - 1)
        if not isinstance(self.augment, bool):
            raise ConfigError(f"augment={self.augment!r} must be true or false.")
        if self.early_stopping_patience is not None:
            _check_int("early_stopping_patience", self.early_stopping_patience, 1, 100)
        if self.target_val_accuracy is not None:
            _check_rate("target_val_accuracy", self.target_val_accuracy, 0.0, 1.0, low_open=True)

    def replace(self, **changes: Any) -> TrainingConfig:
        """Returns a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict; `config_from_dict` reverses it."""
        data = dataclasses.asdict(self)
        data["model"] = {"kind": self.model.kind, **data["model"]}
        return data


def model_config_from_dict(data: dict[str, Any]) -> ModelConfig:
    """Builds an MLPConfig or CNNConfig from a dict with a "kind" key.

    Raises:
        ConfigError: Unknown kind, unknown fields, or invalid values.
    """
    data = dict(data)
    kind = data.pop("kind", None)
    classes = {"mlp": MLPConfig, "cnn": CNNConfig}
    if kind not in classes:
        raise ConfigError(f"model kind {kind!r} is not supported; choose 'mlp' or 'cnn'.")
    return _build(classes[kind], data)


def config_from_dict(data: dict[str, Any]) -> TrainingConfig:
    """Builds a TrainingConfig from `TrainingConfig.to_dict` output.

    Raises:
        ConfigError: Unknown fields or invalid values.
    """
    data = dict(data)
    if "model" in data:
        data["model"] = model_config_from_dict(data["model"])
    return _build(TrainingConfig, data)


def _build(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"unknown {cls.__name__} field(s) {', '.join(unknown)}; "
            f"valid fields are {', '.join(sorted(known))}."
        )
    try:
        return cls(**data)
    except TypeError as error:
        raise ConfigError(f"invalid {cls.__name__}: {error}.") from None
