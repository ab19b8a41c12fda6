"""Latency of one canvas drawing -> probabilities, against `model.predict`.

Each sample is a 280x280 RGBA canvas (an MNIST test digit drawn white on
black at canvas size), passed through `canvas_to_mnist` and `predict` exactly
as the Draw page does. The same images are also classified with Keras's
`model.predict` and with an eager `model(x, training=False)` for comparison.

    python -m bench.predict_latency [--model models/cnn.keras] [--count 300]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from PIL import Image

from mnist_core.data import load_mnist
from mnist_core.persistence import load_model
from mnist_core.predict import predict_one
from mnist_core.preprocess import canvas_to_mnist
from mnist_core.runtime import device_description, tensorflow

CANVAS_SIDE = 280


def canvases(count: int) -> list[np.ndarray]:
    """MNIST test digits rendered as 280x280 opaque RGBA canvases."""
    data = load_mnist(strict=False)
    images = []
    for digit in data.x_test[:count]:
        grey = np.asarray(Image.fromarray(digit).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BICUBIC))
        images.append(np.dstack([grey, grey, grey, np.full_like(grey, 255)]))
    return images


def time_each(function, items) -> np.ndarray:
    """Milliseconds per call, after two warm-up calls."""
    for item in items[:2]:
        function(item)
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def summary(times: np.ndarray) -> dict:
    return {"median_ms": float(np.median(times)), "p95_ms": float(np.percentile(times, 95))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/cnn.keras")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()

    tensorflow()
    model = load_model(args.model).model
    images = canvases(args.count)
    print(f"device: {device_description()}; model {args.model}; {len(images)} canvases of 280x280 RGBA")

    def ours(canvas):
        return predict_one(model, canvas_to_mnist(canvas))

    def keras_predict(canvas):
        return model.predict(canvas_to_mnist(canvas)[np.newaxis], verbose=0)

    def keras_eager(canvas):
        return model(canvas_to_mnist(canvas)[np.newaxis], training=False).numpy()

    results = {
        "preprocess_only": summary(time_each(canvas_to_mnist, images)),
        "canvas_to_probabilities": summary(time_each(ours, images)),
        "with_model_predict": summary(time_each(keras_predict, images[: max(20, len(images) // 5)])),
        "with_eager_call": summary(time_each(keras_eager, images)),
    }
    for name, figures in results.items():
        print(f"{name:>24}: median {figures['median_ms']:6.2f} ms, p95 {figures['p95_ms']:6.2f} ms")
    speedup = results["with_model_predict"]["median_ms"] / results["canvas_to_probabilities"]["median_ms"]
    print(f"canvas -> probabilities is {speedup:.1f}x faster than the same path through model.predict")
    print(json.dumps({**results, "speedup_vs_model_predict": speedup}))


if __name__ == "__main__":
    main()
