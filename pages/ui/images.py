"""Digits as pictures for the pages."""

from __future__ import annotations

import numpy as np
from PIL import Image


def enlarge(image: np.ndarray, scale: int = 4) -> Image.Image:
    """A grey image (uint8, or float in [0, 1]) scaled up with hard pixel edges.

    Nearest-neighbour keeps each of the 28x28 pixels a crisp square, which is
    what the model really sees; smooth scaling would hide it.
    """
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        pixels = (np.clip(pixels, 0.0, 1.0) * 255).round().astype(np.uint8)
    height, width = pixels.shape
    return Image.fromarray(pixels).resize((width * scale, height * scale), Image.Resampling.NEAREST)
