"""Typed configuration of the two architectures the playground builds: an MLP and a CNN.

Each field carries its label, help text, kind and limits (`fields.spec`), the
same table `TrainingConfig` uses; an invalid architecture is refused with a
`ConfigError` naming the field, the value and the valid range.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TypeAlias

from mnist_core.errors import ConfigError, quoted
from mnist_core.fields import spec, validate

ACTIVATIONS = ("relu", "gelu", "elu", "tanh", "sigmoid")
IMAGE_SIZE = 28
NUM_CLASSES = 10
MAX_CONV_BLOCKS = 6
MAX_UNITS = 4096
MAX_FILTERS = 512


@dataclass(frozen=True)
class MLPConfig:
    """A multi-layer perceptron on the flattened 28x28 image."""

    hidden_units: tuple[int, ...] = spec(
        (128,),
        label="Hidden layer sizes",
        help="Units of each hidden dense layer, input side first, e.g. 256,128; none gives a linear model.",
        kind="sizes",
        minimum=1,
        maximum=MAX_UNITS,
        max_count=8,
        count_label="number of hidden layers",
    )
    activation: str = spec(
        "relu",
        label="Activation",
        help="Activation of every hidden layer (and every convolution of a CNN).",
        kind="choice",
        choices=ACTIVATIONS,
    )
    dropout_rate: float = spec(
        0.0,
        label="Dropout after each hidden layer",
        help="Share of units dropped at random while training (0 disables it).",
        kind="float",
        minimum=0.0,
        maximum=0.9,
        step=0.05,
    )

    def __post_init__(self) -> None:
        validate(self)

    @property
    def kind(self) -> str:
        return "mlp"


@dataclass(frozen=True)
class ConvBlock:
    """One convolution, optionally followed by 2x2 max pooling."""

    filters: int = spec(
        32,
        label="filters",
        help="Output channels of the convolution.",
        kind="int",
        minimum=1,
        maximum=MAX_FILTERS,
    )
    kernel_size: int = spec(
        3, label="kernel", help="Side of the square kernel.", kind="int", minimum=1, maximum=9
    )
    strides: int = spec(
        1,
        label="stride",
        help="Step of the convolution; 2 halves the image like pooling, at a quarter of the cost.",
        kind="int",
        minimum=1,
        maximum=3,
    )
    pooling: bool = spec(True, label="2×2 max pool", help="Whether a 2x2 max pooling follows.", kind="bool")

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True)
class CNNConfig:
    """A convolutional network: conv blocks ("valid" padding, as in the Keras examples), then a dense head."""

    conv_blocks: tuple[ConvBlock, ...] = (ConvBlock(32), ConvBlock(64))
    activation: str = spec(
        "relu",
        label="Activation",
        help="Activation of every hidden layer (and every convolution of a CNN).",
        kind="choice",
        choices=ACTIVATIONS,
    )
    batch_norm: bool = spec(
        False,
        label="Batch normalisation",
        help="Normalise each convolution's output; often trains faster.",
        kind="bool",
    )
    conv_dropout_rate: float = spec(
        0.0,
        label="Dropout after each conv block",
        help="Share of activations dropped after each conv block while training (0 disables it).",
        kind="float",
        minimum=0.0,
        maximum=0.9,
        step=0.05,
    )
    dense_dropout_rate: float = spec(
        0.0,
        label="Dropout in the dense head",
        help="Share of units dropped after each hidden dense layer while training (0 disables it).",
        kind="float",
        minimum=0.0,
        maximum=0.9,
        step=0.05,
    )
    dense_units: tuple[int, ...] = spec(
        (128,),
        label="Dense layer sizes",
        help="Dense layers after flattening, e.g. 128; none goes straight to the output.",
        kind="sizes",
        minimum=1,
        maximum=MAX_UNITS,
        max_count=4,
        count_label="number of dense layers",
    )

    def __post_init__(self) -> None:
        if not isinstance(self.conv_blocks, (tuple, list)):
            raise ConfigError(f"conv_blocks={quoted(self.conv_blocks)} must be a list of conv blocks.")
        blocks = tuple(_conv_block(block) for block in self.conv_blocks)
        object.__setattr__(self, "conv_blocks", blocks)
        if not 1 <= len(blocks) <= MAX_CONV_BLOCKS:
            raise ConfigError(
                f"number of conv blocks={len(blocks)} is out of range; use a whole number from 1 to "
                f"{MAX_CONV_BLOCKS}."
            )
        validate(self)
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


def _conv_block(value: object) -> ConvBlock:
    """A ConvBlock, or one from its dict (as read from a JSON sidecar)."""
    if isinstance(value, ConvBlock):
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"conv block {quoted(value)} must be a mapping of field names to values.")
    known = [item.name for item in dataclasses.fields(ConvBlock)]
    unknown = sorted(str(name) for name in set(value) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown ConvBlock field(s) {quoted(', '.join(unknown))}; valid fields are {', '.join(known)}."
        )
    return ConvBlock(**value)


ModelConfig: TypeAlias = MLPConfig | CNNConfig
