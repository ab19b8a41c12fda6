"""Tests for mnist_core.images.read_image: safe decoding of uploaded and saved images."""

import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.errors import ImageFileError
from mnist_core.images import MAX_MEGAPIXELS, WORKING_SIDE, read_image


def _encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


@pytest.fixture
def digit_image(digit_canvas) -> Image.Image:
    return Image.fromarray(digit_canvas[0])


def test_read_image_png_bytes_decode_to_rgba(digit_image):
    array = read_image(_encode(digit_image, "PNG"))

    assert array.shape == (280, 280, 4) and array.dtype == np.uint8
    np.testing.assert_array_equal(array[:, :, 0], np.asarray(digit_image))
    assert np.all(array[:, :, 3] == 255)


def test_read_image_png_keeps_transparency():
    image = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(5, 5), (35, 25)], fill=(0, 0, 0, 255), width=3)

    array = read_image(_encode(image, "PNG"))

    assert array.shape == (30, 40, 4)
    assert array[0, 0, 3] == 0 and array[15, 20, 3] == 255


def test_read_image_jpeg_path_decodes_to_rgba(digit_image, tmp_path):
    path = tmp_path / "digit.jpg"
    path.write_bytes(_encode(digit_image.convert("RGB"), "JPEG", quality=95))

    array = read_image(path)

    assert array.shape == (280, 280, 4) and array.dtype == np.uint8
    assert np.abs(array[:, :, 1].astype(int) - np.asarray(digit_image)).mean() < 3


def test_read_image_large_jpeg_accepted_and_shrunk():
    image = Image.new("L", (8000, 6000), 255)
    ImageDraw.Draw(image).line([(3000, 1000), (5000, 5000)], fill=0, width=300)
    data = _encode(image, "JPEG", quality=10)

    array = read_image(data)

    assert array.shape[2] == 4
    assert max(array.shape[:2]) <= WORKING_SIDE
    assert array.shape[:2] == (768, 1024)
    assert array[:, :, 0].min() < 50 and array[:, :, 0].max() > 200


def test_read_image_exif_rotated_photo_turned_upright():
    image = Image.new("RGB", (60, 30), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; rotate 90 degrees to view.
    data = _encode(image, "JPEG", exif=exif.tobytes())

    assert read_image(data).shape == (60, 30, 4)


def _animated_gif() -> bytes:
    first = Image.new("L", (20, 20), 0)
    second = first.copy()
    ImageDraw.Draw(second).rectangle((5, 5, 15, 15), fill=255)
    return _encode(first, "GIF", save_all=True, append_images=[second], duration=100)


def _truncated_png() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)
    data = _encode(Image.fromarray(noise), "PNG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Hello, this is a text file, not a picture.", "is not an image Pillow can read"),
        (_truncated_png(), "is damaged or truncated"),
        (b"", r"is empty \(0 bytes\)"),
        (_animated_gif(), "is an animation with 2 frames; upload a single still image"),
        (_encode(Image.new("1", (6000, 5000)), "PNG"), "is 30.0 megapixels; the limit is 25"),
    ],
    ids=["text", "truncated png", "empty", "animated gif", "30 megapixel png"],
)
def test_read_image_bad_bytes_raise_clear_error(data, message):
    with pytest.raises(ImageFileError, match=message) as error:
        read_image(data, name="drawing.png")

    text = str(error.value)
    assert text.startswith("drawing.png ") and text.endswith(".")


def test_read_image_bad_file_on_disk_named_by_path(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")

    with pytest.raises(ImageFileError, match=re.escape(f"{path} is not an image")):
        read_image(path)
    with pytest.raises(ImageFileError, match="the upload is empty"):
        read_image(b"")


def test_read_image_missing_path_raises(tmp_path):
    path = tmp_path / "missing.png"

    with pytest.raises(ImageFileError, match=re.escape(f"{path} does not exist; check the path.")):
        read_image(path)


def test_read_image_just_under_megapixel_limit_decoded_and_shrunk():
    # 6000 x 4100 is 24.6 megapixels; it is shrunk to 1024 px on its long side.
    megapixels = 6000 * 4100 / 1e6
    assert megapixels < MAX_MEGAPIXELS
    array = read_image(_encode(Image.new("1", (6000, 4100)), "PNG"))
    assert array.shape == (700, 1024, 4)
