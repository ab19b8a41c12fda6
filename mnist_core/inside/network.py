"""A classifier opened up: every layer's output for one image, and the scores behind its answer.

`network_of(model)` finds the network to show (for a model that averages an
inner network over shifted images, as the default CNN does, that inner
network on the image itself) and traces one function from a 28x28 image to
every layer's output, the class scores (logits) and the penultimate layer.
It is built once per model and stored on the model, like `predict`'s
serving function, so looking inside costs one call of the network, never
`model.predict`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mnist_core.architectures import IMAGE_SIZE, NUM_CLASSES
from mnist_core.errors import ModelFileError, shorten
from mnist_core.runtime import tensorflow

_NETWORK_ATTRIBUTE = "_mnist_inside_network"
_lock = threading.Lock()
# Probabilities are clipped to this before the log (the scores of a model that outputs only probabilities).
_LOG_FLOOR = 1e-12


@dataclass(frozen=True)
class LayerInfo:
    """One layer as the Inside view lists it.

    Attributes:
        name: The layer's name in the model.
        kind: Its Keras class (Conv2D, Dense, ...).
        shape: Its output shape for one image (no batch axis).
    """

    name: str
    kind: str
    shape: tuple[int, ...]

    @property
    def picture(self) -> str:
        """How its output can be shown: "maps" (H x W x channels), "units" (a vector) or "none"."""
        if len(self.shape) == 3:
            return "maps"
        if len(self.shape) == 1:
            return "units"
        return "none"


@dataclass
class Network:
    """What `network_of` found inside a model.

    Attributes:
        model: The network whose layers are shown (the model itself, or the one it wraps).
        layers: Its layers in order, each with its output shape.
        note: One sentence about what is shown when it is not simply the model (else "").
        scores_are_logits: Whether the scores are the last layer's logits (else log-probabilities).
    """

    model: Any
    layers: tuple[LayerInfo, ...]
    note: str
    scores_are_logits: bool
    _outputs: Any = field(repr=False)
    _embedding: Any = field(repr=False)
    _gradients: Any = field(default=None, repr=False)

    def look(self, image: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Every layer's output, the 10 scores and the penultimate vector for one (28, 28) image."""
        outputs = self.run(np.asarray(image, np.float32)[np.newaxis])
        layers, scores, embedding = outputs[:-2], outputs[-2], outputs[-1]
        return [layer[0] for layer in layers], scores[0], embedding[0]

    def run(self, images: np.ndarray) -> list[np.ndarray]:
        """For (N, 28, 28) float images: every layer's output, then the scores, then the embeddings."""
        return [tensor.numpy() for tensor in self._outputs(np.asarray(images, np.float32))]

    def embed(self, images: np.ndarray) -> np.ndarray:
        """The penultimate layer's (N, D) output for (N, 28, 28) float images."""
        return self._embedding(np.asarray(images, np.float32)).numpy()

    def gradients(self, images: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """d(scores . weights)/d(image) for each (28, 28) image and its own (10,) weight row."""
        if self._gradients is None:
            self._gradients = _trace_gradients(self._outputs)
        result = self._gradients(np.asarray(images, np.float32), np.asarray(weights, np.float32))
        return result.numpy()


def network_of(model) -> Network:
    """The (cached) Network of a Keras MNIST classifier.

    Raises:
        ModelFileError: The model's layers cannot be followed from its input (one sentence why).
    """
    with _lock:
        network = getattr(model, _NETWORK_ATTRIBUTE, None)
        if network is None:
            try:
                network = _build(model)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
                raise ModelFileError(
                    f"This model cannot be opened up layer by layer ({shorten(error, 160)}); its answers "
                    "still work everywhere else."
                ) from None
            setattr(model, _NETWORK_ATTRIBUTE, network)
    return network


def randomised(network: Network) -> Network:
    """The same architecture with freshly initialised weights (for the model-randomisation check)."""
    import keras

    fresh = keras.models.clone_model(network.model)
    return _build(fresh, note="The same network with random weights.")


def _wrapped_network(model) -> tuple[Any, int]:
    """The network a test-time-augmentation wrapper runs, and how many times; (model, 1) otherwise."""
    import keras

    members = [layer for layer in getattr(model, "layers", []) if isinstance(layer, keras.Model)]
    if len(members) != 1:
        return model, 1
    calls = len(getattr(members[0], "_inbound_nodes", []))
    return members[0], max(calls, 1)


def _build(model, note: str = "") -> Network:
    tf = tensorflow()
    import keras

    inner, calls = _wrapped_network(model)
    if calls > 1 and not note:
        note = (
            f"This model runs the network below on the image and on {calls - 1} copies of it shifted by "
            "a pixel, and averages the answers; shown here is the network on the image itself."
        )
    shown = [layer for layer in inner.layers if not isinstance(layer, keras.layers.InputLayer)]
    last = shown[-1]
    logits = _logits_from(last)
    probe = keras.Model(inner.inputs, [layer.output for layer in shown] + [last.input])
    input_shape = tuple(inner.inputs[0].shape[1:])
    floor = tf.constant(_LOG_FLOOR)

    @tf.function(input_signature=[tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE], tf.float32)])
    def outputs(images):
        results = probe(tf.reshape(images, [-1, *input_shape]), training=False)
        results = [tf.cast(result, tf.float32) for result in results]
        *layer_outputs, penultimate = results
        final = tf.reshape(layer_outputs[-1], [-1, NUM_CLASSES])
        if logits == "kernel":
            scores = tf.matmul(tf.reshape(penultimate, [tf.shape(images)[0], -1]), last.kernel) + last.bias
        elif logits == "output":
            scores = final
        else:
            scores = tf.math.log(tf.maximum(final, floor))
        return [*layer_outputs, tf.cast(scores, tf.float32), penultimate]

    penultimate_only = keras.Model(inner.inputs, last.input)

    @tf.function(input_signature=[tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE], tf.float32)])
    def embedding(images):
        vectors = penultimate_only(tf.reshape(images, [-1, *input_shape]), training=False)
        return tf.reshape(tf.cast(vectors, tf.float32), [tf.shape(images)[0], -1])

    layers = tuple(
        LayerInfo(layer.name, type(layer).__name__, tuple(int(size) for size in layer.output.shape[1:]))
        for layer in shown
    )
    return Network(inner, layers, note, logits != "log", outputs, embedding)


def _logits_from(last) -> str:
    """Where the scores come from: "kernel" (a softmax Dense's pre-activation), "log" or "output"."""
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if type(last).__name__ == "Dense" and activation == "softmax":
        return "kernel"
    if type(last).__name__ == "Softmax" or activation == "softmax":
        return "log"
    return "output"


def _trace_gradients(outputs):
    tf = tensorflow()

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE], tf.float32),
            tf.TensorSpec([None, NUM_CLASSES], tf.float32),
        ]
    )
    def gradients(images, weights):
        with tf.GradientTape() as tape:
            tape.watch(images)
            scores = outputs(images)[-2]
            total = tf.reduce_sum(scores * weights)
        return tape.gradient(total, images)

    return gradients
