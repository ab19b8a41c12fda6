"""Reading image files (uploads, saved drawings, photos) safely."""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_core.errors import ImageFileError, shorten
from mnist_core.files import check_size, read_regular_file

# Phone photos are 2-12 MB as JPEG and a 25-megapixel PNG scan about 20 MB;
# the size is checked before a byte is read, so a huge file costs nothing.
MAX_FILE_BYTES = 25 << 20
MAX_MEGAPIXELS = 25
# The digit ends up 20 px tall, so nothing is lost by shrinking big photos first.
WORKING_SIDE = 1024
# The formats the Draw page offers. Anything else is refused whatever the
# file is called, so Pillow's other decoders (EPS through Ghostscript, TIFF,
# PSD...) never see an upload.
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
FORMAT_NAMES = "PNG, JPEG, GIF, BMP or WebP"
# Smaller or thinner than this cannot hold a readable digit (the scikit-learn
# digits are 8x8; a photo of a "1" is rarely thinner than 1:4).
MIN_SIDE = 8
MAX_ASPECT_RATIO = 10


def read_image(source: str | os.PathLike | bytes, name: str | None = None) -> np.ndarray:
    """Decodes an image file into an RGBA uint8 array, at most 1024 px a side.

    Only PNG, JPEG, GIF, BMP and WebP are decoded, told apart by their
    content, not their name. JPEG photos are decoded at reduced size straight
    away, so even a 50-megapixel phone photo is cheap; other formats over 25
    megapixels are refused. Phone photos are turned upright using their EXIF
    orientation.

    Args:
        source: A file path or the file's bytes.
        name: Name for messages (defaults to the path, or "the upload").

    Raises:
        ImageFileError: Missing or not a regular file, over 25 MB, not one of
            the formats, damaged, animated, too big, too small or too thin.
            No other exception escapes, whatever the bytes.
    """
    too_big = "shrink it, or save it as a JPEG"
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = shorten(name or "the upload")
        check_size(len(source), MAX_FILE_BYTES, error=ImageFileError, label=label, fix=too_big)
        data = bytes(source)
    else:
        label = shorten(name or source)
        data = read_regular_file(
            source,
            max_bytes=MAX_FILE_BYTES,
            error=ImageFileError,
            label=label,
            fix="check the path",
            too_big=too_big,
        )
    if not data:
        raise ImageFileError(f"{label} is empty (0 bytes); choose a PNG or JPEG image of a digit.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            _check_dimensions(image, label)
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                raise ImageFileError(
                    f"{label} is an animation with {frames} frames; upload a single still image."
                )
            if image.format == "JPEG":
                image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))
            megapixels = image.width * image.height / 1e6
            if megapixels > MAX_MEGAPIXELS:
                raise ImageFileError(
                    f"{label} is {megapixels:.1f} megapixels; the limit is {MAX_MEGAPIXELS}, "
                    "so shrink or crop it first."
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((WORKING_SIDE, WORKING_SIDE))
            return np.asarray(upright.convert("RGBA"))
    except ImageFileError:
        raise
    except UnidentifiedImageError:
        raise ImageFileError(
            f"{label} is not an image in a format this app reads ({FORMAT_NAMES}), whatever its name "
            "says; save the picture in one of these formats."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError(
            f"{label} is too large to decode safely; shrink it below {MAX_MEGAPIXELS} megapixels."
        ) from None
    except Exception as error:  # noqa: BLE001 - a damaged file makes Pillow raise almost anything.
        reason = shorten(str(error) or type(error).__name__)
        raise ImageFileError(
            f"{label} is damaged or truncated and cannot be decoded ({reason}); save it again or choose "
            "another picture."
        ) from None


def _check_dimensions(image: Image.Image, label: str) -> None:
    """Refuses, by the file's own size in pixels, pictures too small or too thin for a digit."""
    width, height = image.size
    if min(width, height) < MIN_SIDE:
        raise ImageFileError(
            f"{label} is {width}x{height} pixels, too small to hold a digit; "
            f"choose a picture at least {MIN_SIDE}x{MIN_SIDE} pixels."
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ImageFileError(
            f"{label} is {width}x{height} pixels, too thin to hold a digit; choose a picture cropped "
            f"around the digit, its long side at most {MAX_ASPECT_RATIO} times its short side."
        )
