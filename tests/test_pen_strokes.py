"""Tests for mnist_core.pen_strokes: tracing MNIST digits into pen strokes."""

import numpy as np
from PIL import Image, ImageDraw

from mnist_core import pen_strokes


def _ring(size: int = 28) -> np.ndarray:
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).ellipse([7, 4, 20, 23], outline=255, width=3)
    return np.asarray(image)


def test_digit_strokes_ring_is_one_closed_loop():
    strokes = pen_strokes.digit_strokes(_ring())
    assert len(strokes) == 1
    loop = strokes[0]
    assert np.allclose(loop[0], loop[-1])
    assert 10 <= np.ptp(loop[:, 1]) <= 20 and 7 <= np.ptp(loop[:, 0]) <= 14


def test_digit_strokes_empty_image_has_none():
    assert pen_strokes.digit_strokes(np.zeros((28, 28), np.uint8)) == []


def test_pen_coverage_of_a_traced_ring_is_nearly_whole():
    ring = _ring()
    assert pen_strokes.pen_coverage(ring, pen_strokes.digit_strokes(ring)) > 0.9
    assert pen_strokes.pen_coverage(ring, []) == 0.0


def test_trace_digit_is_strokes_and_coverage_in_one_pass():
    ring = _ring()

    strokes, coverage = pen_strokes.trace_digit(ring)

    expected = pen_strokes.digit_strokes(ring)
    assert len(strokes) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(strokes, expected, strict=True))
    assert coverage == pen_strokes.pen_coverage(ring, expected)
    assert pen_strokes.trace_digit(np.zeros((28, 28), np.uint8)) == ([], 0.0)
