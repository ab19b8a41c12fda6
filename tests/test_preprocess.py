"""Tests for mnist_core.preprocess: canvases and photos of digits become MNIST-style 28x28 images."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.preprocess import Recipe, canvas_to_mnist, ink_strength

CANVAS = 280


def _upscaled(digit: np.ndarray) -> np.ndarray:
    """A 28x28 uint8 digit enlarged 10x with Pillow's default filter."""
    return np.asarray(Image.fromarray(digit).resize((CANVAS, CANVAS)))


def _rgba_white_on_black(grey: np.ndarray) -> np.ndarray:
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def _centre_of_mass(image: np.ndarray) -> np.ndarray:
    rows, cols = np.indices(image.shape)
    return np.array([(image * rows).sum(), (image * cols).sum()]) / image.sum()


def _drawing(draw, size=CANVAS) -> np.ndarray:
    """A white-on-black uint8 canvas with whatever `draw(ImageDraw)` puts on it."""
    image = Image.new("L", (size, size), 0)
    draw(ImageDraw.Draw(image))
    return np.asarray(image)


def _seven(width):
    return lambda pen: pen.line([(70, 60), (210, 60), (120, 230)], fill=255, width=width)


def test_canvas_to_mnist_upscaled_digits_come_back_close(fallback_data):
    """An MNIST digit enlarged to 280x280 returns near its original: mean |difference| < 0.06.

    MNIST itself was made by this recipe, so the round trip should nearly be the identity.
    Measured over these 100 digits: mean 0.027, worst 0.086 (pixels in [0, 1]).
    """
    digits = fallback_data.x_test[:100]

    differences = []
    for digit in digits:
        result = canvas_to_mnist(_rgba_white_on_black(_upscaled(digit)))
        assert result.shape == (28, 28) and result.dtype == np.float32
        differences.append(np.abs(result - digit / 255.0).mean())

    assert np.mean(differences) < 0.06
    assert np.max(differences) < 0.15


def test_canvas_to_mnist_centre_of_mass_at_14(fallback_data):
    """Placement is rounded to whole pixels, so the centre of mass lands within 0.5 px of (14, 14)."""
    for digit in fallback_data.x_test[:100]:
        result = canvas_to_mnist(_upscaled(digit))
        assert np.all(np.abs(_centre_of_mass(result) - 14.0) <= 0.5 + 1e-4)


def test_canvas_to_mnist_matches_reference_computation():
    """The MNIST recipe done by hand with Pillow: crop to ink, Lanczos to 20 px, centre the mass."""
    canvas = _drawing(
        lambda pen: (
            pen.line([(40, 50), (190, 50), (110, 250)], fill=255, width=14),
            pen.line([(80, 150), (170, 150)], fill=255, width=10),
        )
    )
    image = Image.fromarray(canvas)
    left, top, right, bottom = image.getbbox()
    crop = np.asarray(image.crop((left, top, right, bottom)), np.float32) / 255.0
    height, width = crop.shape
    size = (round(width * 20 / max(height, width)), round(height * 20 / max(height, width)))
    scaled = np.clip(np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.LANCZOS)), 0, 1)
    scaled = scaled / scaled.max()
    row, col = np.rint(14.0 - _centre_of_mass(scaled)).astype(int)
    expected = np.zeros((28, 28), np.float32)
    expected[row : row + size[1], col : col + size[0]] = scaled

    result = canvas_to_mnist(np.dstack([canvas] * 3))

    np.testing.assert_allclose(result, expected, atol=1e-5)
    assert max(size) == 20 and max(height, width) > 150


def test_canvas_to_mnist_background_conventions_agree(digit_canvas):
    grey, _ = digit_canvas
    opaque = np.full_like(grey, 255)
    variants = {
        "white-on-black RGBA": _rgba_white_on_black(grey),
        "black-on-white RGB": np.dstack([255 - grey] * 3),
        "grey 2-D": grey,
        "grey float": grey / 255.0,
        "grey HxWx1": grey[:, :, np.newaxis],
        "black ink on transparent RGBA": np.dstack([np.zeros_like(grey)] * 3 + [grey]),
        "white ink on transparent RGBA": np.dstack([opaque] * 3 + [grey]),
        "dark ink on grey paper RGB": np.dstack([(200 - 0.7 * grey).astype(np.uint8)] * 3),
    }
    reference = canvas_to_mnist(variants["white-on-black RGBA"])

    for name, image in variants.items():
        result = canvas_to_mnist(image)
        assert result is not None, name
        assert np.abs(result - reference).mean() < 0.01, name


@pytest.mark.parametrize(
    ("canvas", "reason"),
    [
        (np.zeros((CANVAS, CANVAS), np.uint8), "empty"),
        (np.full((CANVAS, CANVAS), 255, np.uint8), "empty"),
        (_drawing(lambda pen: pen.ellipse((140, 140, 152, 152), fill=255)), "dot"),
        (_drawing(lambda pen: pen.ellipse((100, 100, 103, 103), fill=255)), "empty"),
    ],
    ids=["blank", "all white", "small dot", "tiny dot"],
)
def test_canvas_to_mnist_no_digit_returns_none_with_reason(canvas, reason):
    assert canvas_to_mnist(canvas) is None

    image, steps = canvas_to_mnist(canvas, return_steps=True)

    assert image is None
    assert reason in steps.reason
    assert steps.box is None and steps.scaled is None and steps.centred is None
    assert steps.ink.shape == canvas.shape


@pytest.mark.parametrize(
    ("canvas", "canvas_reason", "picture_reason"),
    [
        (np.zeros((CANVAS, CANVAS), np.uint8), "The canvas is empty: draw a digit.", "The picture is empty:"),
        (
            _drawing(lambda pen: pen.ellipse((140, 140, 152, 152), fill=255)),
            "That is a dot, not a digit: draw a whole digit.",
            "The picture shows a dot, not a digit",
        ),
    ],
    ids=["blank", "dot"],
)
def test_canvas_to_mnist_reason_worded_for_its_source(canvas, canvas_reason, picture_reason):
    _, drawn = canvas_to_mnist(canvas, return_steps=True)
    _, picture = canvas_to_mnist(canvas, return_steps=True, source="picture")

    assert drawn.reason == canvas_reason
    assert picture.reason.startswith(picture_reason) and "canvas" not in picture.reason
    assert "draw" not in picture.reason


def test_canvas_to_mnist_unknown_source_raises():
    with pytest.raises(ValueError, match="source='photo' is not supported; choose one of canvas, picture"):
        canvas_to_mnist(np.zeros((28, 28)), source="photo")


def _scribble(pen):
    rng = np.random.default_rng(1)
    points = [tuple(int(value) for value in rng.integers(0, CANVAS, 2)) for _ in range(40)]
    pen.line(points, fill=255, width=12)


@pytest.mark.parametrize(
    "canvas",
    [
        _drawing(_scribble),
        _drawing(lambda pen: pen.line([(0, 0), (0, CANVAS - 1), (140, CANVAS - 1)], fill=255, width=10)),
        _drawing(lambda pen: pen.rectangle((0, 0, CANVAS - 1, CANVAS - 1), outline=255, width=30)),
        _drawing(_seven(1)),
        _drawing(_seven(2)),
        _drawing(_seven(40)),
        _drawing(lambda pen: pen.line([(20, 140), (260, 140)], fill=255, width=3)),
    ],
    ids=["scribble", "touching border", "frame", "1 px", "2 px", "40 px", "flat line"],
)
def test_canvas_to_mnist_odd_drawings_give_valid_image(canvas):
    result = canvas_to_mnist(np.dstack([canvas] * 3 + [np.full_like(canvas, 255)]))

    assert result.shape == (28, 28) and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() == pytest.approx(1.0)


@pytest.mark.parametrize("width", [1, 2, 40])
def test_canvas_to_mnist_stroke_width_fits_20px_box(width):
    result = canvas_to_mnist(_drawing(_seven(width)))

    rows, cols = np.nonzero(result > 0)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in (20, 21)


def test_canvas_to_mnist_return_steps(digit_canvas):
    grey, _ = digit_canvas

    image, steps = canvas_to_mnist(grey, return_steps=True)

    assert steps.reason == ""
    assert steps.centred is image
    assert steps.ink.shape == grey.shape and steps.ink.max() == pytest.approx(1.0)
    top, bottom, left, right = steps.box
    assert np.all(steps.ink[:top] == 0) and np.all(steps.ink[bottom:] == 0)
    assert np.all(steps.ink[:, :left] == 0) and np.all(steps.ink[:, right:] == 0)
    assert max(steps.scaled.shape) == 20 and steps.scaled.max() == pytest.approx(1.0)


@pytest.mark.parametrize("shape", [(28, 28, 2), (28, 28, 5), (784,), (2, 28, 28, 1), (1, 40), (40, 1)])
def test_canvas_to_mnist_invalid_shape_raises(shape):
    with pytest.raises(ValueError, match="expected"):
        canvas_to_mnist(np.zeros(shape, np.uint8))


def test_ink_strength_faint_haze_dropped():
    canvas = np.zeros((100, 100), np.float32)
    canvas[40:60, 45:55] = 1.0
    canvas[0:30, 0:30] = 0.1

    ink = ink_strength(canvas)

    assert np.all(ink[40:60, 45:55] == 1.0)
    assert np.all(ink[0:30, 0:30] == 0.0)


def test_recipe_with_steps_skipped_shows_why_each_step_matters():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[20:80, 30:40] = 255  # A small, thin stroke near the top-left corner.
    full = canvas_to_mnist(canvas)
    uncropped = canvas_to_mnist(canvas, recipe=Recipe(crop=False))
    stretched = canvas_to_mnist(canvas, recipe=Recipe(scale=False))
    by_box = canvas_to_mnist(canvas, recipe=Recipe(centre=False))
    rows = np.flatnonzero(full.any(axis=1))
    assert rows[-1] - rows[0] + 1 == 20  # The MNIST recipe: the longer side scaled to 20 px.
    assert np.flatnonzero((uncropped > 0.3).any(axis=1)).size < 8  # Not cropped: as small as drawn.
    assert stretched.any(axis=0).all() and stretched.any(axis=1).all()  # Stretched over the whole field.
    assert canvas_to_mnist(canvas, recipe=Recipe()) == pytest.approx(full)
    columns = np.flatnonzero(by_box.any(axis=0))
    assert columns[0] + columns[-1] in (26, 27)  # Centred by its box.
