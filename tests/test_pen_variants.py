"""Tests for mnist_core.pen_variants: continental 1s and 7s, curled tails, an unsteady hand."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core import pen_strokes, pen_variants


def _lines(*points: tuple[int, int]) -> np.ndarray:
    image = Image.new("L", (28, 28), 0)
    ImageDraw.Draw(image).line(points, fill=255, width=3)
    return np.asarray(image)


def test_continental_strokes_flag_a_one_and_cross_a_seven():
    one = pen_strokes.digit_strokes(_lines((14, 4), (14, 24)))
    flagged = pen_variants.continental_strokes(one, 1, np.random.default_rng(0))
    flag_start, flag_end = flagged[len(one)]
    assert flag_start[0] < flag_end[0] and flag_start[1] > flag_end[1]  # Up and to the right, to the top.
    assert flag_end[1] == pytest.approx(np.concatenate(one)[:, 1].min())

    seven = pen_strokes.digit_strokes(_lines((7, 5), (21, 5), (11, 24)))
    crossed = pen_variants.continental_strokes(seven, 7, np.random.default_rng(0))
    assert len(crossed) == len(seven) + 1
    left, right = crossed[-1]
    assert 11 <= (left[1] + right[1]) / 2 <= 17 and right[0] - left[0] > 4

    assert pen_variants.continental_strokes(seven, 3, np.random.default_rng(0)) is seven


def _nine() -> list[np.ndarray]:
    """A 9 as a pen draws it: a loop at the top, then a straight tail down its right side."""
    angles = np.linspace(0, 2 * np.pi, 25)
    loop = np.stack([10 + 4 * np.cos(angles), 8 + 4 * np.sin(angles)], axis=1)
    tail = np.stack([np.full(10, 14.0), np.linspace(8, 24, 10)], axis=1)
    return [loop, tail]


def test_curl_tail_bends_a_nines_tail_to_the_left():
    nine = _nine()

    curled = pen_variants.curl_tail(nine, np.random.default_rng(0), sweep_degrees=(150, 150))

    assert len(curled) == 2 and np.array_equal(curled[0], nine[0])
    tail = curled[1]
    assert np.array_equal(tail[: len(nine[1])], nine[1])
    hook = tail[len(nine[1]) :]
    assert len(hook) == pen_variants.ARC_POINTS - 1
    assert hook[-1, 0] < 14.0 - 2  # Ends well left of the stem...
    assert hook[:, 1].max() > 24.0 and hook[-1, 1] < hook[:, 1].max()  # ...after turning back up.


def test_curl_tail_finds_a_tail_drawn_upwards():
    loop, tail = _nine()

    curled = pen_variants.curl_tail([loop, tail[::-1]], np.random.default_rng(0))

    assert np.array_equal(curled[1][-len(tail) :], tail[::-1])
    assert curled[1][0, 0] < 14.0


@pytest.mark.parametrize(
    "strokes",
    [
        [np.stack([10 + 5 * np.cos(t), 14 + 8 * np.sin(t)], axis=1) for t in [np.linspace(0, 2 * np.pi, 30)]],
        [np.array([[4.0, 14.0], [24.0, 14.0]]), np.array([[14.0, 4.0], [14.0, 12.0]])],
        [],
    ],
    ids=["closed loop", "no low downward end", "nothing"],
)
def test_curl_tail_leaves_digits_without_a_tail_alone(strokes):
    assert pen_variants.curl_tail(strokes, np.random.default_rng(0)) is strokes


def test_smooth_deformation_moves_points_smoothly_within_the_amplitude():
    line = np.stack([np.linspace(4, 24, 50), np.full(50, 14.0)], axis=1)

    moved = pen_variants.smooth_deformation([line], np.random.default_rng(1), amplitude=1.5)[0]

    shift = moved - line
    assert moved.shape == line.shape and np.abs(shift).max() <= 1.5 + 1e-9
    assert np.abs(shift).max() > 0.1
    # Neighbouring points (0.4 px apart) move almost alike: a smooth field, not noise.
    assert np.abs(np.diff(shift, axis=0)).max() < 0.2
    assert np.array_equal(pen_variants.smooth_deformation([line], np.random.default_rng(1), 0.0)[0], line)
