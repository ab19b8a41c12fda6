"""Tests for the drawn-digits benchmark (drawn_accuracy.py): real drawings (pendigits.py), then the proxy."""

import json
from pathlib import Path

import numpy as np
import pytest

from bench import drawn_accuracy, drawn_digits, inside, pendigits
from mnist_core.data import MnistData
from mnist_core.persistence import save_model
from mnist_core.preprocess import canvas_to_mnist

COUNT = 6


@pytest.fixture(scope="module")
def drawn(fallback_data: MnistData) -> drawn_digits.DrawnSet:
    return drawn_digits.make_drawn_set(fallback_data.x_test[:50], fallback_data.y_test[:50], COUNT, seed=3)


def _ink_rows_and_cols(canvas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ink = canvas[:, :, 0] > 0
    return np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))


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


@pytest.fixture(scope="module")
def fake_dev(tmp_path_factory, fallback_data: MnistData):
    """A tiny development set in the pendigits layout: 12 canvas drawings by three writers."""
    drawn = drawn_digits.make_drawn_set(fallback_data.x_test[:60], fallback_data.y_test[:60], 12, seed=5)
    path = tmp_path_factory.mktemp("dev") / "pendigits_fake.npz"
    np.savez_compressed(
        path,
        images=drawn.canvases,
        labels=drawn.labels,
        writer=np.repeat(np.arange(1, 4, dtype=np.int16), 4),
        stroke_width=drawn.stroke_widths.astype(np.float32),
        size_px=drawn.heights.astype(np.float32),
    )
    return path, drawn


def test_iter_canvases_streams_the_images_in_chunks(fake_dev):
    path, drawn = fake_dev

    chunks = list(pendigits.iter_canvases(path, chunk=5))

    assert [len(chunk) for chunk in chunks] == [5, 5, 2]
    np.testing.assert_array_equal(np.concatenate(chunks), drawn.canvases)


def test_load_dev_set_preprocesses_like_the_draw_page_and_caches(fake_dev, tmp_path, monkeypatch):
    path, drawn = fake_dev

    dev = pendigits.load_dev_set(path, tmp_path)

    assert dev.images.shape == (12, 28, 28) and dev.images.dtype == np.float32
    assert dev.has_ink.all() and dev.thumbnails.shape == (12, 56, 56)
    np.testing.assert_array_equal(dev.images[3], canvas_to_mnist(drawn.canvases[3]))
    assert dev.writers.tolist() == [1] * 4 + [2] * 4 + [3] * 4
    cached = list(tmp_path.glob(f"pendigits_*_{pendigits.preprocessing_fingerprint()}.npz"))
    assert len(cached) == 1
    # A second load reads the cache, not the 280x280 canvases.
    monkeypatch.setattr(pendigits, "iter_canvases", lambda *args: pytest.fail("re-read the canvases"))
    again = pendigits.load_dev_set(path, tmp_path)
    np.testing.assert_array_equal(again.images, dev.images)


def test_load_dev_set_other_preprocessing_gets_its_own_cache_entry(fake_dev, tmp_path):
    path, _ = fake_dev

    blank = pendigits.load_dev_set(path, tmp_path, lambda canvas: None, key="blank")

    assert not blank.has_ink.any() and (blank.images == 0).all()
    assert len(list(tmp_path.glob("pendigits_*.npz"))) == 1
    assert pendigits.load_dev_set(path, tmp_path).has_ink.all()
    assert len(list(tmp_path.glob("pendigits_*.npz"))) == 2


def test_drawn_accuracy_scores_real_drawings_per_digit_and_writer(fake_dev, trained, tmp_path, capsys):
    path, drawn = fake_dev
    model_path = save_model(trained.model, tmp_path / "tiny.keras")

    code = drawn_accuracy.main(
        ["--models", str(model_path), "--dev", str(path), "--results-dir", str(tmp_path)]
    )

    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["proxy"] is None
    real = report["real"]
    figures = real["models"]["tiny"]
    assert real["drawings"] == 12 and real["writers"] == 3
    assert set(figures["per_digit"]) == {str(d) for d in np.unique(drawn.labels)}
    each = figures["writers"]["each"]
    assert set(each) == {"1", "2", "3"}
    assert figures["writers"]["min"] == min(each.values()) == each[str(figures["writers"]["worst"])]
    assert figures["writers"]["min"] <= figures["writers"]["median"] <= max(each.values())
    errors = round((1 - figures["accuracy"]) * 12)
    assert sum(figures["confusions"].values()) == errors
    assert figures["worst_digit"] == min(figures["per_digit"].values())
    if errors:
        assert Path(figures["errors_sheet"]).is_file()
    assert any(line.startswith("[real drawings] tiny: accuracy") for line in lines)


def test_drawn_accuracy_proxy_is_the_second_figure(
    fake_dev, tiny_npz, trained, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))
    model_path = save_model(trained.model, tmp_path / "tiny.keras")
    path, _ = fake_dev

    args = ["--count", "20", "--models", str(model_path), "--dev", str(path), "--proxy"]

    code = drawn_accuracy.main([*args, "--results-dir", str(tmp_path), "--failures"])

    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert 0.0 <= report["real"]["models"]["tiny"]["accuracy"] <= 1.0
    figures = report["proxy"]["sets"]["normal"]["models"]["tiny"]
    assert report["proxy"]["count"] == 20
    assert 0.0 <= figures["accuracy"] <= 1.0 and 0.0 <= figures["plain_resize_accuracy"] <= 1.0
    assert figures["no_ink"] == 0 and figures["median_ms"] > 0
    first_real = next(i for i, line in enumerate(lines) if line.startswith("[real drawings] tiny"))
    first_proxy = next(i for i, line in enumerate(lines) if line.startswith("[normal] tiny: accuracy"))
    assert first_real < first_proxy
    assert list(tmp_path.glob("drawn_v*_normal_seed0_n20.npz"))


def test_drawn_accuracy_missing_dev_set_is_a_one_line_error(tmp_path, trained, capsys):
    model_path = save_model(trained.model, tmp_path / "tiny.keras")

    code = drawn_accuracy.main(["--models", str(model_path), "--dev", str(tmp_path / "none.npz")])

    assert code == 1
    error = capsys.readouterr().err
    assert "development set was not found" in error and "--dev PATH" in error


def test_drawn_accuracy_missing_model_is_a_one_line_error(tmp_path, capsys):
    code = drawn_accuracy.main(["--count", "2", "--models", str(tmp_path / "missing.keras")])

    assert code == 1
    assert "missing.keras does not exist" in capsys.readouterr().err


def test_inside_bench_times_every_part_and_runs_the_randomisation_check(
    fake_dev, tiny_npz, trained, tmp_path, capsys, monkeypatch
):
    path, _ = fake_dev
    model_path = save_model(trained.model, tmp_path / "tiny.keras")
    monkeypatch.setenv("MNIST_NPZ", str(tiny_npz))

    arguments = [
        "--models",
        str(model_path),
        "--dev",
        str(path),
        "--count",
        "6",
        "--results-dir",
        str(tmp_path),
    ]
    assert inside.main(arguments) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    row = json.loads(lines[-1])["tiny"]
    assert row["training_digits"] == 600 and row["neighbours_ready_s"] > 0
    assert 0 < row["predict_one_median_ms"] < row["inside_median_ms"] <= row["inside_p95_ms"]
    for kind in ("on_ink", "every_pixel"):
        correlation = row[kind]["randomisation_rank_correlation"]
        assert -1 <= correlation["signed_median"] <= correlation["signed_max"] <= 1
        shares = row[kind]["share_near_ink_median"]
        assert 0 <= shares["0"] <= shares["1"] <= shares["2"] <= 1
    assert row["on_ink"]["share_near_ink_median"]["0"] > 0.95  # On-ink maps are zero off the ink.
    assert any("target <= 150 ms" in line for line in lines)
