"""Test-time augmentation inside the model: averaging a classifier over shifted copies of the image.

Where exactly a digit sits in the 28x28 field depends on rounding its centre
of mass, so a one-pixel shift can change an answer. `shift_average` wraps a
trained classifier in one functional model that runs it on the image and its
shifted copies (zero padding and cropping layers), averages the logits and
ends in a `Softmax` layer: standard layers only, so the file loads in Keras
safe mode and `predict` treats it like any other classifier. The default CNN
is shipped this way.

    python -m mnist_core shift-average trained.keras --out models/cnn.keras
"""

from __future__ import annotations

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


def _logits_copy(model):
    """A copy of a Sequential softmax classifier whose last layer outputs logits."""
    import keras

    last = model.layers[-1] if getattr(model, "layers", None) else None
    if not isinstance(model, keras.Sequential) or getattr(last.activation, "__name__", "") != "softmax":
        raise ModelFileError(
            f"{model.name} cannot be averaged over shifts: it must be a Sequential model ending in a "
            "softmax Dense layer, as the Train page and `train` make them."
        )
    config = model.get_config()
    config["layers"][-1]["config"]["activation"] = "linear"
    copy = keras.Sequential.from_config(config)
    copy.set_weights(model.get_weights())
    return copy
