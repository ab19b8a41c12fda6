"""Arrays as pictures: signed colour maps, grids of feature maps, attribution overlays, PNG files.

Every picture is an (H, W, 3) uint8 RGB array, so the pages show them with
`st.image` and the command line writes them with `save_png`. Signed values
use one colour scale per picture: black at zero, red for positive, blue for
negative, full colour at the largest absolute value in the picture.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

POSITIVE = np.array([255, 72, 48], np.float32)
NEGATIVE = np.array([56, 132, 255], np.float32)
GAP = np.array([64, 64, 64], np.uint8)


def signed_colours(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """(H, W) values as RGB: black at 0, red up to +limit, blue down to -limit (default: the largest |x|)."""
    values = np.asarray(values, np.float32)
    limit = float(np.abs(values).max()) if limit is None else limit
    scaled = np.clip(values / limit, -1.0, 1.0) if limit > 0 else np.zeros_like(values)
    rgb = np.clip(scaled, 0, None)[..., None] * POSITIVE + np.clip(-scaled, 0, None)[..., None] * NEGATIVE
    return rgb.astype(np.uint8)


def grey(image: np.ndarray) -> np.ndarray:
    """A [0, 1] image as grey RGB."""
    level = (np.clip(np.asarray(image, np.float32), 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(level[..., None], 3, axis=-1)


def overlay(image: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """An attribution map over its (28, 28) input: the ink dimmed to grey, the map's colour on top."""
    base = grey(image).astype(np.float32) * 0.45
    saliency = np.asarray(saliency, np.float32)
    limit = float(np.abs(saliency).max())
    if limit == 0:
        return base.astype(np.uint8)
    # The square root lifts the middle of the range: small contributions stay visible beside the largest.
    strength = np.sqrt(np.clip(np.abs(saliency) / limit, 0.0, 1.0))[..., None]
    colour = np.where(saliency[..., None] >= 0, POSITIVE, NEGATIVE)
    return (base * (1 - strength) + colour * strength).astype(np.uint8)


def enlarge(picture: np.ndarray, factor: int) -> np.ndarray:
    """Every pixel as a factor x factor block (crisp, unlike a browser's smoothing)."""
    return np.repeat(np.repeat(picture, factor, axis=0), factor, axis=1)


def grid(tiles: np.ndarray, columns: int | None = None, scale: int = 3) -> np.ndarray:
    """(C, h, w, 3) tiles side by side in rows, each enlarged `scale` times, one grey pixel between."""
    count, height, width = tiles.shape[:3]
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / columns)
    tile_h, tile_w = height * scale + 1, width * scale + 1
    sheet = np.empty((rows * tile_h + 1, columns * tile_w + 1, 3), np.uint8)
    sheet[:] = GAP
    for number, tile in enumerate(tiles):
        top, left = (number // columns) * tile_h + 1, (number % columns) * tile_w + 1
        sheet[top : top + height * scale, left : left + width * scale] = enlarge(tile, scale)
    return sheet


def map_grid(maps: np.ndarray, columns: int | None = None, scale: int = 3) -> np.ndarray:
    """A layer's (H, W, C) output as a grid of C signed maps on one colour scale."""
    maps = np.asarray(maps, np.float32)
    limit = float(np.abs(maps).max())
    tiles = np.stack([signed_colours(maps[:, :, channel], limit) for channel in range(maps.shape[-1])])
    return grid(tiles, columns, scale)


def png_bytes(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(picture: np.ndarray, path: Path) -> None:
    path.write_bytes(png_bytes(picture))
