"""Turning a drawing or photo of a digit into a 28x28 MNIST-style image.

`canvas_to_mnist` is the one preprocessing function used by the Draw page,
the image upload and the command line. It follows the recipe MNIST itself was
made with: crop to the ink, scale the longer side to 20 px keeping the aspect
ratio and grey levels, then centre the centre of mass in a 28x28 field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
from PIL import Image

# The Draw page's canvas is CANVAS_SIDE pixels square.
CANVAS_SIDE = 280
FIELD_SIZE = 28
DIGIT_BOX = 20
# MNIST digits have their centre of mass at (14.0, 14.0) in pixel-index
# coordinates (mean over the training set, std 0.3 px).
CENTRE = 14.0
# Ink below this strength is paper texture, JPEG noise or anti-aliasing haze.
INK_FLOOR = 0.15
# Less ink than this share of the canvas is a stray click, not a digit.
MIN_INK_SHARE = 0.0008
# A round blob (short side / long side above this) that fills most of its box
# and spans under a quarter of the canvas is a dot, not a digit.
DOT_ROUNDNESS = 0.67
DOT_FILL = 0.6
DOT_MAX_SPAN = 0.25
# Why no digit was found, worded for where the image came from.
NO_DIGIT_REASONS = {
    "canvas": {
        "empty": "The canvas is empty: draw a digit.",
        "dot": "That is a dot, not a digit: draw a whole digit.",
    },
    "picture": {
        "empty": "The picture is empty: no ink stands out from its background; choose a picture of a digit.",
        "dot": "The picture shows a dot, not a digit: choose a picture of one whole digit.",
    },
}


@dataclass(frozen=True)
class Recipe:
    """Which steps of the recipe run: all of them for every answer; the Inside page skips some to show why.

    Attributes:
        crop: Crop to the ink (else the whole image is scaled down, the digit as small as drawn).
        scale: Scale the longer side to 20 px keeping the aspect ratio (else stretch to fill 28x28).
        centre: Put the centre of mass at the centre (else the middle of the digit's box).
    """

    crop: bool = True
    scale: bool = True
    centre: bool = True


MNIST_RECIPE = Recipe()


@dataclass(frozen=True)
class PreprocessSteps:
    """Intermediate images, for a "what the model sees" view.

    Attributes:
        ink: Full-resolution ink strength in [0, 1], white ink on black.
        box: (top, bottom, left, right) of the ink's bounding box in `ink`,
            or None when there is too little ink.
        scaled: The cropped digit scaled so its longer side is 20 px.
        centred: The final 28x28 image.
        reason: Why no image was produced, else "".
    """

    ink: np.ndarray
    box: tuple[int, int, int, int] | None
    scaled: np.ndarray | None
    centred: np.ndarray | None
    reason: str


@overload
def canvas_to_mnist(
    image: np.ndarray, *, return_steps: Literal[False] = False, source: str = "canvas", recipe: Recipe = ...
) -> np.ndarray | None: ...


@overload
def canvas_to_mnist(
    image: np.ndarray, *, return_steps: Literal[True], source: str = "canvas", recipe: Recipe = ...
) -> tuple[np.ndarray | None, PreprocessSteps]: ...


def canvas_to_mnist(
    image: np.ndarray, *, return_steps: bool = False, source: str = "canvas", recipe: Recipe = MNIST_RECIPE
) -> np.ndarray | tuple[np.ndarray | None, PreprocessSteps] | None:
    """Converts a canvas image or photo of one digit to MNIST format.

    Args:
        image: RGBA (HxWx4), RGB (HxWx3) or grey (HxW) array, uint8 or float
            in [0, 1], any size. White-on-black, black-on-white and
            ink-on-transparent images are all understood.
        return_steps: Also return the intermediate images.
        source: "canvas" (a drawing) or "picture" (an image file), which
            words the reason when no digit is found.
        recipe: The steps to run (default: all, as every model expects).

    Returns:
        A (28, 28) float32 array in [0, 1], white ink on black, or None when
        there is too little ink to be a digit. With `return_steps`, a tuple
        `(image_or_none, PreprocessSteps)`.

    Raises:
        ValueError: The array is not 2-D or 3-D with 1, 3 or 4 channels, or
            `source` is unknown.
    """
    if source not in NO_DIGIT_REASONS:
        raise ValueError(f"source={source!r} is not supported; choose one of {', '.join(NO_DIGIT_REASONS)}.")
    ink = ink_strength(image)
    box, reason = _digit_box(ink)
    reason = NO_DIGIT_REASONS[source][reason] if reason else ""
    scaled = centred = None
    if box is not None:
        top, bottom, left, right = box if recipe.crop else (0, ink.shape[0], 0, ink.shape[1])
        if recipe.scale:
            scaled = _scale_to_box(ink[top:bottom, left:right])
            centred = _centre_by_mass(scaled) if recipe.centre else _centre_box(scaled)
        else:
            scaled = centred = _scale_to_box(ink[top:bottom, left:right], (FIELD_SIZE, FIELD_SIZE))
    if return_steps:
        return centred, PreprocessSteps(ink=ink, box=box, scaled=scaled, centred=centred, reason=reason)
    return centred


def ink_strength(image: np.ndarray) -> np.ndarray:
    """Ink strength in [0, 1] per pixel, whatever the background.

    Transparency wins when the border is mostly transparent (ink drawn on a
    clear canvas); otherwise the border's median brightness is the background
    and ink is whatever differs from it, stretched so the strongest ink is 1.

    Raises:
        ValueError: Unsupported array shape.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"image has shape {array.shape}; expected HxW grey, HxWx3 RGB or HxWx4 RGBA.")
    if array.shape[0] < 2 or array.shape[1] < 2:
        raise ValueError(f"image is {array.shape[1]}x{array.shape[0]} pixels; expected at least 2x2.")
    pixels = array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer) or pixels.max() > 1.0:
        pixels /= 255.0
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        if np.median(_border(alpha)) < 0.5:
            return _stretch(alpha)
        grey = pixels[:, :, :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        # Composite onto the border colour so half-transparent edges blend in.
        background = np.median(_border(grey))
        grey = grey * alpha + background * (1.0 - alpha)
    elif pixels.ndim == 3:
        grey = pixels @ np.array([0.299, 0.587, 0.114], np.float32)
    else:
        grey = pixels
    background = float(np.median(_border(grey)))
    difference = grey - background if background < 0.5 else background - grey
    return _stretch(np.clip(difference, 0.0, None))


def _border(channel: np.ndarray) -> np.ndarray:
    return np.concatenate([channel[0], channel[-1], channel[1:-1, 0], channel[1:-1, -1]])


def _stretch(ink: np.ndarray) -> np.ndarray:
    """Scales ink so the strongest strokes reach 1 and drops faint haze."""
    peak = float(np.percentile(ink[ink > 0], 99)) if np.any(ink > 0) else 0.0
    if peak <= 0.05:
        return np.zeros_like(ink, dtype=np.float32)
    strength = np.clip(ink / peak, 0.0, 1.0)
    strength = np.clip((strength - INK_FLOOR) / (1.0 - INK_FLOOR), 0.0, 1.0)
    return strength.astype(np.float32)


def _digit_box(ink: np.ndarray) -> tuple[tuple[int, int, int, int] | None, str]:
    """Bounding box of the ink, or None with why it is not a digit ("empty" or "dot")."""
    mask = ink > 0.0
    area = ink.shape[0] * ink.shape[1]
    if ink.sum() < MIN_INK_SHARE * area:
        return None, "empty"
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    height, width = bottom - top, right - left
    long_side, short_side = max(height, width), min(height, width)
    fill = mask[top:bottom, left:right].mean()
    if (
        short_side / long_side > DOT_ROUNDNESS
        and fill > DOT_FILL
        and long_side < DOT_MAX_SPAN * min(ink.shape)
    ):
        return None, "dot"
    return (int(top), int(bottom), int(left), int(right)), ""


def _scale_to_box(crop: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """Scales the crop so its longer side is 20 px (or to `size`, width x height), with Lanczos filtering."""
    height, width = crop.shape
    factor = DIGIT_BOX / max(height, width)
    size = size or (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    scaled = np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    peak = scaled.max()
    return scaled / peak if peak > 0 else scaled


def _centre_box(digit: np.ndarray) -> np.ndarray:
    """Places the digit in the middle of a 28x28 field by its box, not its mass."""
    height, width = digit.shape
    top, left = (FIELD_SIZE - height) // 2, (FIELD_SIZE - width) // 2
    field = np.zeros((FIELD_SIZE, FIELD_SIZE), np.float32)
    field[top : top + height, left : left + width] = digit
    return field


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Places the digit in a 28x28 field with its centre of mass at (14, 14)."""
    height, width = digit.shape
    total = digit.sum()
    rows, cols = np.indices(digit.shape)
    mass_row = (digit * rows).sum() / total
    mass_col = (digit * cols).sum() / total
    top = round(float(CENTRE - mass_row))
    left = round(float(CENTRE - mass_col))
    # Keep the whole digit inside the field even if its mass is lopsided.
    top = min(max(top, 0), FIELD_SIZE - height)
    left = min(max(left, 0), FIELD_SIZE - width)
    field = np.zeros((FIELD_SIZE, FIELD_SIZE), np.float32)
    field[top : top + height, left : left + width] = digit
    return field
