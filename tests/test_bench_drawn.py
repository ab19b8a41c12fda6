"""Tests for the drawn-digits proxy set (bench/drawn_digits.py) and its benchmark (drawn_accuracy.py)."""

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench import drawn_accuracy, drawn_digits, pen_strokes
from mnist_core.data import MnistData
from mnist_core.persistence import save_model

COUNT = 6


@pytest.fixture(scope="module")
def drawn(fallback_data: MnistData) -> drawn_digits.DrawnSet:
    return drawn_digits.make_drawn_set(fallback_data.x_test[:50], fallback_data.y_test[:50], COUNT, seed=3)


def _ink_rows_and_cols(canvas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ink = canvas[:, :, 0] > 0
    return np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))


def _ring(size: int = 28) -> np.ndarray:
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).ellipse([7, 4, 20, 23], outline=255, width=3)
    return np.asarray(image)


def test_make_drawn_set_shapes_and_dtypes(drawn):
    assert drawn.canvases.shape == (COUNT, 280, 280, 4)
    assert drawn.canvases.dtype == np.uint8
    assert drawn.labels.shape == (COUNT,) and drawn.labels.dtype == np.uint8
    assert drawn.heights.shape == drawn.stroke_widths.shape == drawn.sources.shape == (COUNT,)


def test_make_drawn_set_white_strokes_on_opaque_black(drawn):
    canvases = drawn.canvases
    assert (canvases[..., 3] == 255).all()
    assert (canvases[..., 0] == canvases[..., 1]).all() and (canvases[..., 1] == canvases[..., 2]).all()
    for canvas in canvases:
        assert canvas[:2, :, 0].max() == canvas[-2:, :, 0].max() == 0  # The margin stays black.
        assert canvas[..., 0].max() == 255
        assert 0.02 < (canvas[..., 0] > 127).mean() < 0.5


def test_make_drawn_set_height_and_width_in_requested_range(drawn):
    for canvas, height, width in zip(drawn.canvases, drawn.heights, drawn.stroke_widths, strict=True):
        rows, _ = _ink_rows_and_cols(canvas)
        assert abs(len(rows) - height) <= 2
        assert 120 - 2 <= len(rows) <= 240 + 2
        assert 12 <= width <= 28


@pytest.mark.parametrize(("style_name", "height", "width"), [("thin", 240, 12), ("thick", 120, 28)])
def test_hard_styles_use_fixed_height_and_pen(style_name, height, width):
    one = np.zeros((28, 28), np.uint8)
    one[4:24, 13:16] = 255
    drawn = drawn_digits.make_drawn_set(one[np.newaxis], np.array([1]), 1, 0, drawn_digits.STYLES[style_name])
    rows, _ = _ink_rows_and_cols(drawn.canvases[0])
    assert abs(len(rows) - height) <= 2
    # A near-vertical bar is about one pen width wide in its middle rows.
    middle = drawn.canvases[0][rows[len(rows) // 2], :, 0] > 127
    assert width - 2 <= middle.sum() <= width * 1.3


def test_make_drawn_set_is_deterministic_for_a_seed(fallback_data):
    images, labels = fallback_data.x_test[:20], fallback_data.y_test[:20]
    first = drawn_digits.make_drawn_set(images, labels, 3, seed=7)
    again = drawn_digits.make_drawn_set(images, labels, 3, seed=7)
    other = drawn_digits.make_drawn_set(images, labels, 3, seed=8)
    assert np.array_equal(first.canvases, again.canvases) and np.array_equal(first.labels, again.labels)
    assert not np.array_equal(first.canvases, other.canvases)


def test_make_drawn_set_rejects_bad_count(fallback_data):
    with pytest.raises(ValueError, match="count=0"):
        drawn_digits.make_drawn_set(fallback_data.x_test[:5], fallback_data.y_test[:5], 0, seed=0)


def test_digit_strokes_ring_is_one_closed_loop():
    strokes = pen_strokes.digit_strokes(_ring())
    assert len(strokes) == 1
    loop = strokes[0]
    assert np.allclose(loop[0], loop[-1])
    assert 10 <= np.ptp(loop[:, 1]) <= 20 and 7 <= np.ptp(loop[:, 0]) <= 14


def test_digit_strokes_empty_image_has_none():
    assert pen_strokes.digit_strokes(np.zeros((28, 28), np.uint8)) == []


def _lines(*points: tuple[int, int]) -> np.ndarray:
    image = Image.new("L", (28, 28), 0)
    ImageDraw.Draw(image).line(points, fill=255, width=3)
    return np.asarray(image)


def test_continental_strokes_flag_a_one_and_cross_a_seven():
    one = pen_strokes.digit_strokes(_lines((14, 4), (14, 24)))
    flagged = pen_strokes.continental_strokes(one, 1, np.random.default_rng(0))
    flag_start, flag_end = flagged[len(one)]
    assert flag_start[0] < flag_end[0] and flag_start[1] > flag_end[1]  # Up and to the right, to the top.
    assert flag_end[1] == pytest.approx(np.concatenate(one)[:, 1].min())

    seven = pen_strokes.digit_strokes(_lines((7, 5), (21, 5), (11, 24)))
    crossed = pen_strokes.continental_strokes(seven, 7, np.random.default_rng(0))
    assert len(crossed) == len(seven) + 1
    left, right = crossed[-1]
    assert 11 <= (left[1] + right[1]) / 2 <= 17 and right[0] - left[0] > 4

    assert pen_strokes.continental_strokes(seven, 3, np.random.default_rng(0)) is seven


def test_drawn_accuracy_runs_end_to_end(tiny_npz, trained, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))
    model_path = save_model(trained.model, tmp_path / "tiny.keras")

    code = drawn_accuracy.main(
        ["--count", "20", "--models", str(model_path), "--results-dir", str(tmp_path), "--failures"]
    )

    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    figures = report["sets"]["normal"]["models"]["tiny"]
    assert report["count"] == 20
    assert 0.0 <= figures["accuracy"] <= 1.0 and 0.0 <= figures["plain_resize_accuracy"] <= 1.0
    assert figures["no_ink"] == 0 and figures["median_ms"] > 0
    assert any(line.startswith("[normal] tiny: accuracy") for line in lines)
    assert list(tmp_path.glob("drawn_v*_normal_seed0_n20.npz"))


def test_drawn_accuracy_missing_model_is_a_one_line_error(tmp_path, capsys):
    code = drawn_accuracy.main(["--count", "2", "--models", str(tmp_path / "missing.keras")])

    assert code == 1
    assert "missing.keras does not exist" in capsys.readouterr().err
