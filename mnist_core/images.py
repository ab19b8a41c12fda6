"""Reading image files (uploads, saved drawings, photos) safely."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_core.errors import ImageFileError

MAX_MEGAPIXELS = 25
# The digit ends up 20 px tall, so nothing is lost by shrinking big photos first.
WORKING_SIDE = 1024


def read_image(source: str | os.PathLike | bytes, name: str | None = None) -> np.ndarray:
    """Decodes an image file into an RGBA uint8 array, at most 1024 px a side.

    JPEG photos are decoded at reduced size straight away, so even a
    50-megapixel phone photo is cheap; other formats over 25 megapixels are
    refused. Phone photos are turned upright using their EXIF orientation.

    Args:
        source: A file path or the file's bytes.
        name: Name for messages (defaults to the path, or "the upload").

    Raises:
        ImageFileError: Missing, not an image, truncated, animated or too big.
    """
    if isinstance(source, (bytes, bytearray)):
        name = name or "the upload"
        data = bytes(source)
    else:
        path = Path(source)
        name = name or str(path)
        if not path.is_file():
            raise ImageFileError(f"{name} does not exist; check the path.")
        data = path.read_bytes()
    if not data:
        raise ImageFileError(f"{name} is empty (0 bytes); choose a PNG or JPEG image of a digit.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if getattr(image, "n_frames", 1) > 1:
                raise ImageFileError(
                    f"{name} is an animation with {image.n_frames} frames; upload a single still image."
                )
            if image.format == "JPEG":
                image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))
            megapixels = image.width * image.height / 1e6
            if megapixels > MAX_MEGAPIXELS:
                raise ImageFileError(
                    f"{name} is {megapixels:.1f} megapixels; the limit is {MAX_MEGAPIXELS}, "
                    "so shrink or crop it first."
                )
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((WORKING_SIDE, WORKING_SIDE))
            return np.asarray(image.convert("RGBA"))
    except ImageFileError:
        raise
    except UnidentifiedImageError:
        raise ImageFileError(f"{name} is not an image Pillow can read; choose a PNG or JPEG file.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError(
            f"{name} is too large to decode safely; shrink it below {MAX_MEGAPIXELS} megapixels."
        ) from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageFileError(f"{name} is damaged or truncated and cannot be decoded ({error}).") from None
