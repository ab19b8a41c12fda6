"""Everything the Inside view and `python -m mnist_core explain` show for one 28x28 image.

explanation = explain(model, image, neighbour_index(model, x_train, y_train))
explanation.summary()   # digit, confidence, layers, nearest: the command's JSON line
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.inside import pictures
from mnist_core.inside.attribution import attributions
from mnist_core.inside.neighbours import Neighbour, NeighbourIndex
from mnist_core.inside.network import LayerInfo, Network, network_of
from mnist_core.predict import Prediction, predict_one

# Vectors longer than this (a flattened stack of maps) are not drawn as bars.
MAX_BARS = 512
TEMPLATES = 8
MNIST_PIXELS = 28 * 28


@dataclass(frozen=True)
class Explanation:
    """One image seen from inside one model.

    Attributes:
        image: The (28, 28) float image the model saw.
        prediction: The model's answer (the whole model's, shift averaging included).
        network: What is shown inside it.
        outputs: Each of `network.layers`' output for the image.
        saliency: The attribution map for the predicted digit (SmoothGrad x input).
        nearest: The nearest training digits in the penultimate layer ([] while they are computed).
    """

    image: np.ndarray
    prediction: Prediction
    network: Network
    outputs: list[np.ndarray]
    saliency: np.ndarray
    nearest: list[Neighbour]

    def summary(self) -> dict:
        """The command line's JSON line."""
        return {
            "digit": self.prediction.digit,
            "confidence": round(self.prediction.confidence, 6),
            "layers": [
                {"name": layer.name, "kind": layer.kind, "shape": list(layer.shape)} for layer in self.layers
            ],
            "nearest": [neighbour.to_dict() for neighbour in self.nearest],
        }

    @property
    def layers(self) -> tuple[LayerInfo, ...]:
        return self.network.layers


def explain(model, image: np.ndarray, neighbours: NeighbourIndex | None = None) -> Explanation:
    """Looks inside `model` for one (28, 28) float image in [0, 1]."""
    image = np.asarray(image, np.float32)
    prediction = predict_one(model, image)
    network = network_of(model)
    outputs, _, _ = network.look(image)
    saliency = attributions(network, image, [prediction.digit])[0]
    nearest = neighbours.nearest(image) if neighbours is not None else []
    return Explanation(image, prediction, network, outputs, saliency, nearest)


def layer_picture(layer: LayerInfo, output: np.ndarray) -> np.ndarray | None:
    """A layer's output as a picture: a grid of maps, or bars for a vector; None when it has no picture."""
    if layer.picture == "maps":
        return pictures.map_grid(output, scale=max(2, 48 // output.shape[0]))
    if layer.picture == "units" and output.size <= MAX_BARS:
        return bars(output)
    return None


def bars(values: np.ndarray, height: int = 64) -> np.ndarray:
    """A vector as a row of bars: red above the middle line for positive values, blue below for negative."""
    values = np.asarray(values, np.float32).ravel()
    width = max(3, 240 // max(len(values), 1))
    limit = float(np.abs(values).max()) or 1.0
    half = height // 2
    picture = np.zeros((height + 1, len(values) * width, 3), np.uint8)
    picture[half] = pictures.GAP
    for unit, value in enumerate(values):
        size = round(abs(value) / limit * half)
        rows = slice(half - size, half) if value > 0 else slice(half + 1, half + 1 + size)
        colour = pictures.POSITIVE if value > 0 else pictures.NEGATIVE
        picture[rows, unit * width : unit * width + width - 1] = colour.astype(np.uint8)
    return picture


def first_kernel(model) -> np.ndarray | None:
    """A copy of the first layer's weights that has any (a Conv2D's or a Dense's kernel), else None."""
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is not None:
            return np.array(kernel.numpy(), np.float32)
    return None


def filters_picture(kernel: np.ndarray | None) -> np.ndarray | None:
    """A first convolution's (h, w, 1, n) filters as a grid of signed images; None for other weights."""
    if kernel is None or kernel.ndim != 4 or kernel.shape[2] != 1:
        return None
    limit = float(np.abs(kernel).max())
    tiles = np.stack([pictures.signed_colours(kernel[:, :, 0, n], limit) for n in range(kernel.shape[-1])])
    return pictures.grid(tiles, scale=max(2, 30 // kernel.shape[0]))


def templates_picture(kernel: np.ndarray | None, units) -> np.ndarray | None:
    """A first Dense layer's (784, n) weights into `units` as a row of 28x28 templates; None otherwise."""
    if kernel is None or kernel.ndim != 2 or kernel.shape[0] != MNIST_PIXELS:
        return None
    tiles = np.stack([pictures.signed_colours(kernel[:, unit].reshape(28, 28)) for unit in units])
    return pictures.grid(tiles, columns=len(tiles), scale=3)


def first_filters(network: Network) -> np.ndarray | None:
    """The network's first convolution's filters as a picture (single-channel input), else None."""
    return filters_picture(first_kernel(network.model))


def templates(network: Network, outputs: list[np.ndarray] | None = None, count: int = TEMPLATES):
    """An MLP's first hidden units as 28x28 weight templates.

    Returns:
        (units, activations, picture): the `count` units most active for this image (the first ones
        without `outputs`), their activations (or None) and a grid of their incoming weights, red where
        ink raises the unit; or None when the first layer with weights is not a Dense layer over the
        784 pixels.
    """
    kernel = first_kernel(network.model)
    if kernel is None or kernel.ndim != 2 or kernel.shape[0] != MNIST_PIXELS:
        return None
    first = next(layer for layer in network.model.layers if getattr(layer, "kernel", None) is not None)
    names = [layer.name for layer in network.layers]
    activity = outputs[names.index(first.name)] if outputs is not None and first.name in names else None
    chosen = np.argsort(-activity)[:count] if activity is not None else np.arange(min(count, kernel.shape[1]))
    values = [float(activity[unit]) for unit in chosen] if activity is not None else None
    return [int(unit) for unit in chosen], values, templates_picture(kernel, chosen)
