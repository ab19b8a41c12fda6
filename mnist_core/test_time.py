"""Test-time augmentation inside the model: averaging a classifier over shifted copies of the image.

Where exactly a digit sits in the 28x28 field depends on rounding its centre
of mass, so a one-pixel shift can change an answer. `shift_average` wraps a
trained classifier in one functional model that runs it on the image and its
shifted copies (zero padding and cropping layers), averages the logits and
ends in a `Softmax` layer: standard layers only, so the file loads in Keras
safe mode and `predict` treats it like any other classifier. The default CNN
is shipped this way. `unwrap` takes such a model apart again, so a
fine-tune can train the inner classifier alone (one network call per step,
not nine) and wrap the result over the same shifts.

    python -m mnist_core shift-average trained.keras --out models/cnn.keras
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mnist_core.architectures import IMAGE_SIZE
from mnist_core.errors import ConfigError, ModelFileError

# The image and its eight neighbours one pixel away (down, right).
SHIFTS = tuple((down, right) for down in (-1, 0, 1) for right in (-1, 0, 1))
MAX_SHIFT = 2


def shift_average(model, shifts: tuple[tuple[int, int], ...] = SHIFTS, name: str = "shift_average"):
    """One model whose output is the softmax of `model`'s mean logits over shifted images.

    Args:
        model: A Sequential classifier taking (N, 28, 28) images and ending in
            a softmax Dense layer, as `build_model` makes them.
        shifts: (down, right) shifts in pixels, each within MAX_SHIFT (default:
            the 3x3 neighbourhood).
        name: The new model's name.

    Returns:
        An uncompiled `keras.Model` sharing one copy of the weights.

    Raises:
        ConfigError: No shifts, or a shift out of range.
        ModelFileError: A model that is not a Sequential ending in a softmax Dense layer.
    """
    from mnist_core.runtime import tensorflow

    tensorflow()
    import keras
    from keras import layers

    if not shifts or any(abs(value) > MAX_SHIFT for shift in shifts for value in shift):
        raise ConfigError(f"shifts={shifts}: give one or more (down, right) pairs within {MAX_SHIFT} px.")
    member = _logits_copy(model)
    image = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE), name="image")
    channel = layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1), name="add_channel")(image)
    padded = layers.ZeroPadding2D(MAX_SHIFT, name="pad")(channel)
    logits = []
    for down, right in shifts:
        label = f"{down}_{right}".replace("-", "m")
        crop = ((MAX_SHIFT - down, MAX_SHIFT + down), (MAX_SHIFT - right, MAX_SHIFT + right))
        moved = layers.Cropping2D(crop, name=f"shift_{label}")(padded)
        logits.append(member(layers.Reshape((IMAGE_SIZE, IMAGE_SIZE), name=f"image_{label}")(moved)))
    mean = layers.Average(name="mean_logits")(logits) if len(logits) > 1 else logits[0]
    return keras.Model(image, layers.Softmax(name="probabilities")(mean), name=name)


@dataclass(frozen=True)
class ShiftAveraged:
    """A `shift_average` model taken apart.

    Attributes:
        classifier: A copy of the Sequential it averages, ending in softmax again
            (a classifier of its own, to train or to read).
        shifts: The (down, right) shifts it averages over, in order.
        name: The wrapper's name.
    """

    classifier: Any
    shifts: tuple[tuple[int, int], ...]
    name: str

    def wrap(self, classifier):
        """`classifier` (say, `self.classifier` fine-tuned) averaged over the same shifts."""
        return shift_average(classifier, self.shifts, self.name)


def unwrap(model) -> ShiftAveraged | None:
    """The classifier and shifts of a model `shift_average` made (or loaded); None for any other model."""
    import keras

    found = getattr(model, "layers", None) or []
    members = [layer for layer in found if isinstance(layer, keras.Sequential)]
    pads = [layer for layer in found if isinstance(layer, keras.layers.ZeroPadding2D)]
    crops = [layer for layer in found if isinstance(layer, keras.layers.Cropping2D)]
    ends_in_softmax = bool(found) and isinstance(found[-1], keras.layers.Softmax)
    if isinstance(model, keras.Sequential) or not ends_in_softmax:
        return None
    if len(members) != 1 or len(pads) != 1 or not crops or _last_activation(members[0]) != "linear":
        return None
    (top, _), (left, _) = pads[0].padding
    shifts = tuple((top - crop.cropping[0][0], left - crop.cropping[1][0]) for crop in crops)
    return ShiftAveraged(_with_last_activation(members[0], "softmax"), shifts, model.name)


def _logits_copy(model):
    """A copy of a Sequential softmax classifier whose last layer outputs logits."""
    import keras

    if not isinstance(model, keras.Sequential) or _last_activation(model) != "softmax":
        raise ModelFileError(
            f"{model.name} cannot be averaged over shifts: it must be a Sequential model ending in a "
            "softmax Dense layer, as the Train page and `train` make them."
        )
    return _with_last_activation(model, "linear")


def _last_activation(model) -> str:
    """The name of the activation of a model's last layer ("" when it has none)."""
    last = model.layers[-1] if getattr(model, "layers", None) else None
    return getattr(getattr(last, "activation", None), "__name__", "")


def _with_last_activation(model, activation: str):
    """A copy of a Sequential model, with the same weights, whose last layer's activation is `activation`."""
    import keras

    config = model.get_config()
    config["layers"][-1]["config"]["activation"] = activation
    copy = keras.Sequential.from_config(config)
    copy.set_weights(model.get_weights())
    return copy
