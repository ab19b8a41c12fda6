"""The re-stroked-MNIST proxy: how well models read MNIST test digits re-drawn as canvas drawings.

The second figure of `bench.drawn_accuracy` (the first is the real pen
drawings of `bench.pendigits`). Runs the "drawn digits" proxy set
(`bench.drawn_digits`: MNIST test digits re-stroked as 280x280 canvas pen
drawings) through `canvas_to_mnist` and `predict_one`, exactly as the Draw page
does, for each model; and, on the same drawings, a plain 280->28 resize fed to
the same model as a baseline. The proxy is drawn from MNIST's own writers, so
it is easier than real drawings: read it as a relative figure.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from bench.drawn_digits import RESULTS_DIR, DrawnSet, cached_drawn_set, save_contact_sheet
from mnist_core.predict import predict_one, predict_probabilities
from mnist_core.preprocess import canvas_to_mnist

# Bins for accuracy by pen width and digit height, in canvas pixels.
WIDTH_BINS = (12, 17, 23, 28.01)
HEIGHT_BINS = (120, 160, 200, 240.01)
FAILURES_SHOWN = 20


def plain_resize(canvas: np.ndarray) -> np.ndarray:
    """The naive baseline: the whole canvas in grey, resized to 28x28, no crop or centring."""
    grey = Image.fromarray(canvas).convert("L").resize((28, 28), Image.Resampling.BICUBIC)
    return np.asarray(grey, np.float32) / 255.0


def preprocess_all(drawn: DrawnSet) -> tuple[list[np.ndarray | None], np.ndarray, np.ndarray]:
    """Our preprocessing and the plain resize for every drawing, with per-drawing seconds for ours."""
    images, seconds = [], np.zeros(len(drawn.labels))
    for index, canvas in enumerate(drawn.canvases):
        start = time.perf_counter()
        images.append(canvas_to_mnist(canvas))
        seconds[index] = time.perf_counter() - start
    resized = np.stack([plain_resize(canvas) for canvas in drawn.canvases])
    return images, seconds, resized


def score_model(
    model, drawn: DrawnSet, images: list, preprocess_seconds: np.ndarray, resized: np.ndarray
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Figures for one model on one drawn set.

    Returns:
        (figures, predicted digit per drawing (-1 for no ink), confidence per drawing).
    """
    labels = drawn.labels.astype(int)
    predict_one(model, np.zeros((28, 28), np.float32))  # Trace the serving function before timing.
    predicted = np.full(len(labels), -1)
    confidence = np.zeros(len(labels))
    seconds = preprocess_seconds.copy()
    for index, image in enumerate(images):
        if image is None:
            continue
        start = time.perf_counter()
        answer = predict_one(model, image)
        seconds[index] += time.perf_counter() - start
        predicted[index], confidence[index] = answer.digit, answer.confidence
    resized_predicted = predict_probabilities(model, resized).argmax(axis=1)
    correct = predicted == labels
    figures = {
        "accuracy": round(float(correct.mean()), 4),
        "plain_resize_accuracy": round(float((resized_predicted == labels).mean()), 4),
        "no_ink": int((predicted == -1).sum()),
        "median_ms": _ms(seconds),
        "per_digit": {str(d): round(float(correct[labels == d].mean()), 4) for d in np.unique(labels)},
        "by_stroke_width": _binned(correct, drawn.stroke_widths, WIDTH_BINS),
        "by_height": _binned(correct, drawn.heights, HEIGHT_BINS),
        "confusions": {
            f"{true}->{guess}": n
            for (true, guess), n in Counter(
                zip(labels[~correct], predicted[~correct], strict=True)
            ).most_common(8)
        },
    }
    return figures, predicted, confidence


def _binned(correct: np.ndarray, values: np.ndarray, edges: tuple[float, ...]) -> dict[str, float]:
    figures = {}
    for low, high in itertools.pairwise(edges):
        inside = (values >= low) & (values < high)
        if inside.any():
            figures[f"{low:.0f}-{high:.0f}"] = round(float(correct[inside].mean()), 4)
    return figures


def save_failures(
    drawn: DrawnSet, images: list, predicted: np.ndarray, confidence: np.ndarray, path: Path
) -> Path | None:
    """A sheet of the first failures: each canvas beside the 28x28 the model saw."""
    failed = np.flatnonzero(predicted != drawn.labels)[:FAILURES_SHOWN]
    if len(failed) == 0:
        return None
    tiles, captions = [], []
    for index in failed:
        guess = "no ink" if predicted[index] < 0 else f"{predicted[index]} ({confidence[index]:.2f})"
        seen = images[index] if images[index] is not None else np.zeros((28, 28), np.float32)
        tiles += [drawn.canvases[index], seen]
        captions += [
            f"#{index} {drawn.labels[index]} as {guess}",
            f"w{drawn.stroke_widths[index]:.0f} h{drawn.heights[index]:.0f}",
        ]
    return save_contact_sheet(tiles, path, captions, columns=8, cell=150)


def print_figures(set_name: str, name: str, figures: dict) -> None:
    print(
        f"[{set_name}] {name}: accuracy {figures['accuracy']:.2%} (plain resize "
        f"{figures['plain_resize_accuracy']:.2%}), no ink {figures['no_ink']}, "
        f"median {figures['median_ms']:.2f} ms per drawing"
    )
    print("    per digit: " + " ".join(f"{d}:{a:.1%}" for d, a in figures["per_digit"].items()))
    print("    by stroke width: " + " ".join(f"{b}px:{a:.1%}" for b, a in figures["by_stroke_width"].items()))
    print("    by height: " + " ".join(f"{b}px:{a:.1%}" for b, a in figures["by_height"].items()))
    print(
        "    top confusions (true->predicted): "
        + ", ".join(f"{k}:{n}" for k, n in figures["confusions"].items())
    )


def score_proxy(
    models: dict,
    count: int,
    seed: int,
    set_names: list[str],
    failures: bool = False,
    results_dir: Path = RESULTS_DIR,
) -> dict:
    """Scores every model on every proxy set; returns the figures (also printed)."""
    report = {"count": count, "seed": seed, "sets": {}}
    for set_name in set_names:
        start = time.perf_counter()
        drawn = cached_drawn_set(count, seed, set_name, results_dir)
        print(f"[{set_name}] {count} drawings ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        images, seconds, resized = preprocess_all(drawn)
        figures = {"skipped_sources": drawn.skipped, "preprocess_median_ms": _ms(seconds), "models": {}}
        for index, (name, model) in enumerate(models.items()):
            figures["models"][name], predicted, confidence = score_model(
                model, drawn, images, seconds, resized
            )
            print_figures(set_name, name, figures["models"][name])
            if failures and index == 0:
                sheet = save_failures(
                    drawn,
                    images,
                    predicted,
                    confidence,
                    Path(results_dir) / f"failures_{set_name}_{name}.png",
                )
                print(f"    failures: {sheet}")
        report["sets"][set_name] = figures
    return report


def _ms(seconds: np.ndarray) -> float:
    return round(float(np.median(seconds)) * 1000, 3)
