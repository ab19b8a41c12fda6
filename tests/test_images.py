"""Tests for mnist_core.images.read_image: safe decoding of uploaded and saved images."""

import os
import re
import tracemalloc

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.errors import ImageFileError, shorten
from mnist_core.images import MAX_FILE_BYTES, MAX_MEGAPIXELS, MIN_SIDE, WORKING_SIDE, read_image
from tests.hostile_images import EPS, encode, gif_with_last_byte, tiff_second_page_without_size

NOT_OFFERED = r"is not an image in a format this app reads \(PNG, JPEG, GIF, BMP or WebP\)"


@pytest.fixture
def digit_image(digit_canvas) -> Image.Image:
    return Image.fromarray(digit_canvas[0])


def test_read_image_png_bytes_decode_to_rgba(digit_image):
    array = read_image(encode(digit_image, "PNG"))

    assert array.shape == (280, 280, 4) and array.dtype == np.uint8
    np.testing.assert_array_equal(array[:, :, 0], np.asarray(digit_image))
    assert np.all(array[:, :, 3] == 255)


def test_read_image_png_keeps_transparency():
    image = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(5, 5), (35, 25)], fill=(0, 0, 0, 255), width=3)

    array = read_image(encode(image, "PNG"))

    assert array.shape == (30, 40, 4)
    assert array[0, 0, 3] == 0 and array[15, 20, 3] == 255


def test_read_image_jpeg_path_decodes_to_rgba(digit_image, tmp_path):
    path = tmp_path / "digit.jpg"
    path.write_bytes(encode(digit_image.convert("RGB"), "JPEG", quality=95))

    array = read_image(path)

    assert array.shape == (280, 280, 4) and array.dtype == np.uint8
    assert np.abs(array[:, :, 1].astype(int) - np.asarray(digit_image)).mean() < 3


def test_read_image_large_jpeg_accepted_and_shrunk():
    image = Image.new("L", (8000, 6000), 255)
    ImageDraw.Draw(image).line([(3000, 1000), (5000, 5000)], fill=0, width=300)
    data = encode(image, "JPEG", quality=10)

    array = read_image(data)

    assert array.shape[2] == 4
    assert max(array.shape[:2]) <= WORKING_SIDE
    assert array.shape[:2] == (768, 1024)
    assert array[:, :, 0].min() < 50 and array[:, :, 0].max() > 200


def test_read_image_exif_rotated_photo_turned_upright():
    image = Image.new("RGB", (60, 30), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; rotate 90 degrees to view.
    data = encode(image, "JPEG", exif=exif.tobytes())

    assert read_image(data).shape == (60, 30, 4)


def _animated_gif() -> bytes:
    first = Image.new("L", (20, 20), 0)
    second = first.copy()
    ImageDraw.Draw(second).rectangle((5, 5, 15, 15), fill=255)
    return encode(first, "GIF", save_all=True, append_images=[second], duration=100)


def _truncated_png() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "PNG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Hello, this is a text file, not a picture.", NOT_OFFERED),
        (_truncated_png(), "is damaged or truncated"),
        (b"", r"is empty \(0 bytes\)"),
        (_animated_gif(), "is an animation with 2 frames; upload a single still image"),
        (encode(Image.new("1", (6000, 5000)), "PNG"), "is 30.0 megapixels; the limit is 25"),
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

    with pytest.raises(ImageFileError, match=re.escape(shorten(path)) + " " + NOT_OFFERED):
        read_image(path)
    with pytest.raises(ImageFileError, match="the upload is empty"):
        read_image(b"")


def test_read_image_missing_path_raises(tmp_path):
    path = tmp_path / "missing.png"

    with pytest.raises(ImageFileError, match=re.escape(f"{shorten(path)} does not exist; check the path.")):
        read_image(path)


def test_read_image_just_under_megapixel_limit_decoded_and_shrunk():
    # 6000 x 4100 is 24.6 megapixels; it is shrunk to 1024 px on its long side.
    megapixels = 6000 * 4100 / 1e6
    assert megapixels < MAX_MEGAPIXELS
    array = read_image(encode(Image.new("1", (6000, 4100)), "PNG"))
    assert array.shape == (700, 1024, 4)


def test_read_image_huge_file_refused_by_size_before_reading(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as handle:
        handle.truncate(3 << 30)  # A sparse 3 GB file: nothing is written to disk.

    tracemalloc.start()
    try:
        with pytest.raises(ImageFileError, match=r"huge\.png is 3\.0 GB; the limit is 25\.0 MB; shrink it"):
            read_image(path, name="huge.png")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    with pytest.raises(ImageFileError, match=r"the upload is 25\.0 MB; the limit is 25\.0 MB"):
        read_image(bytes(MAX_FILE_BYTES + 1))


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_read_image_offered_formats_decode(digit_image, image_format):
    array = read_image(encode(digit_image.convert("RGB"), image_format), name=f"digit.{image_format}")

    assert array.shape == (280, 280, 4)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (gif_with_last_byte(b"!"), "is damaged or truncated"),
        (gif_with_last_byte(b","), "is damaged or truncated"),
        (tiff_second_page_without_size(), NOT_OFFERED),
        (encode(Image.new("L", (40, 40)), "TIFF"), NOT_OFFERED),
        (EPS, NOT_OFFERED),
        (encode(Image.new("L", (40, 40)), "PPM"), NOT_OFFERED),
    ],
    ids=["gif trailer '!'", "gif trailer ','", "tiff page without size", "tiff", "eps named png", "ppm"],
)
def test_read_image_hostile_content_raises_only_image_file_error(data, message, tmp_path):
    path = tmp_path / "digit.png"
    path.write_bytes(data)

    for source in (data, path):
        with pytest.raises(ImageFileError, match=message) as error:
            read_image(source, name="digit.png")
        text = str(error.value)
        assert text.startswith("digit.png ") and text.endswith(".") and text.count(". ") == 0


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((1, 1), "is 1x1 pixels, too small to hold a digit"),
        ((MIN_SIDE - 1, 200), "is 7x200 pixels, too small"),
        ((10000, 10), "is 10000x10 pixels, too thin to hold a digit"),
        ((30, 400), "is 30x400 pixels, too thin"),
    ],
)
def test_read_image_too_small_or_thin_refused_with_file_size(size, message):
    data = encode(Image.new("L", size, 255), "PNG")

    with pytest.raises(ImageFileError, match=re.escape(f"strip.png {message}")):
        read_image(data, name="strip.png")


def test_read_image_smallest_and_thinnest_accepted():
    assert read_image(encode(Image.new("L", (MIN_SIDE, MIN_SIDE)), "PNG")).shape == (8, 8, 4)
    assert read_image(encode(Image.new("L", (100, 10)), "PNG")).shape == (10, 100, 4)


def test_read_image_directory_fifo_and_device_named_for_what_they_are(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)

    with pytest.raises(ImageFileError, match=re.escape(f"{shorten(tmp_path)} is a directory, not a file")):
        read_image(tmp_path)
    with pytest.raises(ImageFileError, match=r"pipe\.png is a named pipe \(FIFO\), not a regular file"):
        read_image(fifo, name="pipe.png")
    with pytest.raises(ImageFileError, match="/dev/null is a device, not a regular file; check the path"):
        read_image("/dev/null")
