"""Tests for mnist_core.pen_augment: training digits re-drawn with a pen, cached, and mixed into training."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core import pen_augment, pen_strokes
from mnist_core.pen_strokes import digit_strokes
from mnist_core.pipeline import make_dataset

COUNT = 6


@pytest.fixture
def pen_cache(tmp_path, monkeypatch):
    folder = tmp_path / "pen-cache"
    monkeypatch.setenv(pen_augment.CACHE_ENV, str(folder))
    return folder


def _blob() -> np.ndarray:
    """A filled disk beside thin lines: no pen of one width reproduces it."""
    image = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(image)
    draw.ellipse([4, 6, 18, 20], fill=255)
    draw.line([(18, 4), (18, 24)], fill=255, width=2)
    draw.line([(4, 24), (24, 24)], fill=255, width=2)
    return np.asarray(image)


def test_cache_dir_follows_the_environment(pen_cache):
    assert pen_augment.cache_dir() == pen_cache


def test_draw_digit_is_a_centred_mnist_style_image(fallback_data):
    image, label = fallback_data.x_train[0], int(fallback_data.y_train[0])

    strokes = digit_strokes(image)

    drawn = pen_augment.draw_digit(strokes, label, np.random.default_rng(0), pen_augment.PenStyle())

    assert drawn.shape == (28, 28) and drawn.dtype == np.float32
    assert drawn.min() >= 0.0 and drawn.max() == pytest.approx(1.0)
    rows, cols = np.indices(drawn.shape)
    centre = (drawn * rows).sum() / drawn.sum(), (drawn * cols).sum() / drawn.sum()
    assert np.allclose(centre, 14, atol=1)


def test_draw_digit_pen_width_follows_the_style(fallback_data):
    strokes = digit_strokes(fallback_data.x_train[1])

    def ink(share):
        style = pen_augment.PenStyle(pen_shares=(share, share))
        return pen_augment.draw_digit(strokes, 0, np.random.default_rng(0), style).sum()

    assert ink(0.05) < ink(0.12) < ink(0.25)


def test_pen_drawn_copies_are_drawn_once_then_cached(fallback_data, pen_cache, monkeypatch):
    images = np.concatenate([fallback_data.x_train[:COUNT], _blob()[np.newaxis]])
    labels = np.concatenate([fallback_data.y_train[:COUNT], [0]])

    copies = pen_augment.pen_drawn_copies(images, labels, workers=1)

    assert pen_strokes.pen_coverage(_blob(), pen_strokes.digit_strokes(_blob())) < pen_augment.MIN_COVERAGE
    assert copies.shape == (pen_augment.VARIANTS, COUNT + 1, 28, 28) and copies.dtype == np.uint8
    for variant in range(pen_augment.VARIANTS):
        assert all(not np.array_equal(copies[variant, i], images[i]) for i in range(COUNT))
    assert not np.array_equal(copies[0, :COUNT], copies[1, :COUNT])
    assert (copies[:, COUNT] == images[COUNT]).all()  # The blob keeps its original.
    assert len(list(pen_cache.glob("pen_strokes_*.npz"))) == 1
    assert len(list(pen_cache.glob("pen_drawn_*.npy"))) == 1

    monkeypatch.setattr(pen_augment, "ProcessPoolExecutor", lambda **kwargs: pytest.fail("drew again"))
    np.testing.assert_array_equal(pen_augment.pen_drawn_copies(images, labels), copies)


def test_pen_drawn_copies_new_style_redraws_from_the_cached_strokes(fallback_data, pen_cache):
    images, labels = fallback_data.x_train[:2], fallback_data.y_train[:2]
    first = pen_augment.pen_drawn_copies(images, labels, workers=1)
    (strokes_file,) = pen_cache.glob("pen_strokes_*.npz")
    traced_at = strokes_file.stat().st_mtime_ns
    thick_pen = pen_augment.PenStyle(pen_shares=(0.3, 0.3))

    thick = pen_augment.pen_drawn_copies(images, labels, thick_pen, workers=1)

    assert strokes_file.stat().st_mtime_ns == traced_at
    assert len(list(pen_cache.glob("pen_drawn_*.npy"))) == 2
    assert thick.astype(float).sum() > first.astype(float).sum()


def _drawn_copies_are(monkeypatch, copies: np.ndarray) -> None:
    """make_dataset(pen_augment=True) gets `copies` instead of drawing (and caching) real ones."""

    def drawn(images, labels):
        assert len(images) == copies.shape[1] == len(labels)
        return copies

    monkeypatch.setattr(pen_augment, "pen_drawn_copies", drawn)


@pytest.mark.parametrize(("original_share", "expect_original"), [(1.0, True), (0.0, False)])
def test_make_dataset_with_pen_copies_mixes_originals_and_copies(
    monkeypatch, original_share, expect_original
):
    count = 40
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(count)
    copies = np.repeat(images[np.newaxis], 3, axis=0)
    copies[:, :, 27, 27] = np.arange(1, 4)[:, np.newaxis]  # Copy k carries k in its last pixel.
    labels = np.arange(count) % 10
    monkeypatch.setattr(pen_augment, "ORIGINAL_SHARE", original_share)
    _drawn_copies_are(monkeypatch, copies)

    batches = list(make_dataset(images, labels, 16, shuffle=True, seed=3, pen_augment=True))

    pixels = np.concatenate([batch[0].numpy() for batch in batches])
    batch_labels = np.concatenate([batch[1].numpy() for batch in batches])
    sources = np.round(pixels[:, 0, 0] * 255).astype(int)
    assert sorted(sources) == list(range(count))
    np.testing.assert_array_equal(batch_labels, labels[sources])
    variant = np.round(pixels[:, 27, 27] * 255).astype(int)
    if expect_original:
        assert (variant == 0).all()
    else:
        assert set(variant) == {1, 2, 3}


def test_make_dataset_with_pen_copies_picks_each_kind_about_as_often_as_configured(monkeypatch):
    count = 2000
    images = np.zeros((count, 28, 28), np.uint8)
    copies = np.ones((2, count, 28, 28), np.uint8)
    copies[1] *= 2
    _drawn_copies_are(monkeypatch, copies)

    batches = make_dataset(images, np.zeros(count), 500, pen_augment=True)
    pixels = np.concatenate([batch[0].numpy()[:, 0, 0] for batch in batches])

    shares = np.bincount(np.round(pixels * 255).astype(int), minlength=3) / count
    expected = [pen_augment.ORIGINAL_SHARE, *[(1 - pen_augment.ORIGINAL_SHARE) / 2] * 2]
    np.testing.assert_allclose(shares, expected, atol=0.05)


def test_augmentation_changes_the_originals_and_leaves_the_pen_drawn_copies_alone(fallback_data, monkeypatch):
    images, labels = fallback_data.x_train[:64], fallback_data.y_train[:64]
    copies = np.stack([np.roll(images, 1, axis=2), np.roll(images, -1, axis=2)])
    _drawn_copies_are(monkeypatch, copies)

    def pixels(original_share):
        monkeypatch.setattr(pen_augment, "ORIGINAL_SHARE", original_share)
        dataset = make_dataset(images, labels, 64, augment=True, seed=2, pen_augment=True)
        return next(iter(dataset))[0].numpy()

    drawn = np.round(pixels(0.0) * 255)
    assert all(any(np.array_equal(image, copy[i]) for copy in copies) for i, image in enumerate(drawn))
    originals = pixels(1.0)
    assert np.abs(originals - images / 255.0).mean() > 0.02
