"""Classifying 28x28 images with a Keras model, fast enough for every stroke.

`model.predict` costs ~50 ms per call in setup; calling the model through a
traced `tf.function` costs well under a millisecond for one image.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from mnist_core.architectures import IMAGE_SIZE, NUM_CLASSES
from mnist_core.errors import PredictionError
from mnist_core.runtime import tensorflow

# The traced function is stored on the model itself: a dict keyed by model
# would keep every model alive, since the function refers to its model.
_FUNCTION_ATTRIBUTE = "_mnist_serving_function"
_functions_lock = threading.Lock()


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one image."""

    digit: int
    confidence: float
    probabilities: tuple[float, ...]

    def to_dict(self) -> dict:
        return {
            "digit": self.digit,
            "confidence": round(self.confidence, 6),
            "probabilities": [round(p, 6) for p in self.probabilities],
        }


def predict_one(model, image: np.ndarray) -> Prediction:
    """Classifies one (28, 28) image; see `predict`."""
    return predict(model, np.asarray(image)[np.newaxis])[0]


def predict(model, images: np.ndarray) -> list[Prediction]:
    """Classifies a batch of images.

    Args:
        model: A Keras MNIST classifier (any of the input layouts
            (28, 28), (28, 28, 1) or (784,)).
        images: An (N, 28, 28) batch, float in [0, 1] or uint8 in [0, 255],
            white ink on black.

    Raises:
        PredictionError: An image has NaN or infinite pixels, or the model's
            output for one is NaN or infinite, so there is no digit to report
            (never a NaN confidence).
    """
    images = np.asarray(images)
    # Checked here, not left to the model: whether an infinite pixel ends as a
    # NaN output depends on the CPU's kernels (oneDNN's may keep it finite).
    unreadable = _rows_not_finite(images.reshape(len(images), -1)) if images.ndim == 3 else np.array([])
    if unreadable.size:
        raise PredictionError(
            f"The pixels of {_which(unreadable, len(images))} are NaN or infinite, so there is nothing to "
            "classify; give images with values from 0 to 1 (or 0 to 255 as uint8)."
        )
    probabilities = predict_probabilities(model, images)
    broken = _rows_not_finite(probabilities)
    if broken.size:
        raise PredictionError(
            f"The model's output for {_which(broken, len(probabilities))} is NaN or infinite, not "
            "probabilities, so it has no answer; its weights are probably broken, so retrain it or "
            "choose another model."
        )
    return [
        Prediction(int(row.argmax()), float(row.max()), tuple(float(p) for p in row)) for row in probabilities
    ]


def _rows_not_finite(rows: np.ndarray) -> np.ndarray:
    """Indices of the rows of a 2-D array holding a NaN or an infinity."""
    if not np.issubdtype(rows.dtype, np.floating):
        return np.array([], dtype=int)
    return np.flatnonzero(~np.isfinite(rows).all(axis=1))


def _which(indices: np.ndarray, count: int) -> str:
    """'this image', or 'K of N images (the first at index I)'."""
    if count == 1:
        return "this image"
    return f"{indices.size} of {count} images (the first at index {indices[0]})"


def predict_probabilities(model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """(N, 10) class probabilities for (N, 28, 28) images, in batches."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images have shape {images.shape}; expected (N, 28, 28).")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    function = _serving_function(model)
    outputs = [
        function(np.asarray(images[start : start + batch_size], np.float32) / scale).numpy()
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(outputs) if outputs else np.zeros((0, NUM_CLASSES), np.float32)


def _serving_function(model):
    """A traced function from (N, 28, 28) float32 to probabilities, per model."""
    with _functions_lock:
        function = getattr(model, _FUNCTION_ATTRIBUTE, None)
        if function is None:
            function = _trace(model)
            setattr(model, _FUNCTION_ATTRIBUTE, function)
    return function


def _trace(model):
    tf = tensorflow()
    input_shape = tuple(model.inputs[0].shape[1:])
    probabilities = outputs_probabilities(model)

    @tf.function(input_signature=[tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE], tf.float32)])
    def serve(images):
        batch = tf.reshape(images, [-1, *input_shape])
        outputs = model(batch, training=False)
        outputs = tf.cast(tf.reshape(outputs, [-1, NUM_CLASSES]), tf.float32)
        return outputs if probabilities else tf.nn.softmax(outputs)

    return serve


def outputs_probabilities(model) -> bool:
    """Whether the model outputs probabilities (else it outputs logits)."""
    last = model.layers[-1] if model.layers else None
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", "") == "softmax" or type(last).__name__ == "Softmax"
