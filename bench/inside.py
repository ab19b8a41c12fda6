"""The Inside view, measured: time per drawing, the attribution checks on real drawings, neighbours' start-up.

For each model, on real pen drawings of the development set (through
`canvas_to_mnist`, as the Draw page delivers them):

- server time for everything the Inside page computes for one drawing
  (`explain`: the answer, every layer's output, the map for the answer, the 8
  nearest training digits; every layer's picture; the first layer's filters
  or templates; two more maps for "why not"), against one plain `predict_one`
  in the same process (target: <= 150 ms after the first);
- the model-randomisation check of Adebayo et al. (2018): rank correlation of
  each drawing's map with the map of the same network with random weights
  (target: below 0.5), signed as shown and of absolute values;
- the share of each map's absolute mass on the ink or within 1 or 2 pixels of
  it, beside the share of the field those pixels cover;
- seconds until the 60,000 training digits' vectors are ready for a model
  (target: <= 10 s).

    MNIST_NPZ=../shared/data/mnist.npz python -m bench.inside [--models models/cnn.keras models/mlp.keras]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bench.pendigits import RESULTS_DIR, find_dev_npz, load_dev_set
from bench.predict_latency import time_each
from mnist_core.data import load_mnist
from mnist_core.inside.attribution import SmoothGrad, attributions, rank_correlation, share_near_ink
from mnist_core.inside.explain import explain, first_filters, layer_picture, templates
from mnist_core.inside.neighbours import NeighbourIndex, neighbour_index
from mnist_core.inside.network import network_of, randomised
from mnist_core.persistence import load_model
from mnist_core.predict import predict_one

TIMED = 50  # Drawings timed per model.


def everything_for_one(model, image: np.ndarray, index: NeighbourIndex) -> None:
    """What the Inside page computes for one drawing (its Layers and Why tabs, the nearest digits)."""
    explanation = explain(model, image, index)
    for layer, output in zip(explanation.layers, explanation.outputs, strict=True):
        layer_picture(layer, output)
    first_filters(explanation.network)
    templates(explanation.network, explanation.outputs)
    other = (explanation.prediction.digit + 1) % 10
    attributions(explanation.network, image, [other])  # "Why 9 and not 3" subtracts it from the answer's map.


def checks(model, images: np.ndarray, method: SmoothGrad) -> dict:
    network = network_of(model)
    scrambled = randomised(network)
    signed, absolute, near = [], [], {0: [], 1: [], 2: []}
    for image in images:
        digit = int(network.look(image)[1].argmax())
        trained = attributions(network, image, [digit], method)[0]
        random = attributions(scrambled, image, [digit], method)[0]
        signed.append(rank_correlation(trained, random))
        absolute.append(rank_correlation(np.abs(trained), np.abs(random)))
        for reach in near:
            near[reach].append(share_near_ink(trained, image, reach))
    field = {
        reach: float(np.median([share_near_ink(np.ones((28, 28)), image, reach) for image in images]))
        for reach in near
    }
    return {
        "randomisation_rank_correlation": {
            "signed_median": float(np.median(signed)),
            "signed_max": float(np.max(signed)),
            "absolute_median": float(np.median(absolute)),
        },
        "share_near_ink_median": {str(reach): float(np.median(values)) for reach, values in near.items()},
        "field_share_near_ink_median": {str(reach): share for reach, share in field.items()},
    }


def measure(path: str, images: np.ndarray, data) -> dict:
    model = load_model(path).model
    started = time.monotonic()
    index = neighbour_index(model, data.x_train, data.y_train)
    index.wait()
    ready_s = time.monotonic() - started
    timed = images[:TIMED]
    baseline = time_each(lambda image: predict_one(model, image), timed)
    inside = time_each(lambda image: everything_for_one(model, image, index), timed)
    return {
        "neighbours_ready_s": round(ready_s, 2),
        "training_digits": len(data.x_train),
        "predict_one_median_ms": round(float(np.median(baseline)), 2),
        "inside_median_ms": round(float(np.median(inside)), 1),
        "inside_p95_ms": round(float(np.percentile(inside, 95)), 1),
        "ratio_to_predict": round(float(np.median(inside) / np.median(baseline)), 1),
        "on_ink": checks(model, images, SmoothGrad(on_ink=True)),
        "every_pixel": checks(model, images, SmoothGrad(on_ink=False)),
    }


def report(name: str, row: dict) -> None:
    print(
        f"{name}: everything for one drawing median {row['inside_median_ms']} ms, "
        f"p95 {row['inside_p95_ms']} ms ({row['ratio_to_predict']}x one predict_one, target <= 150 ms); "
        f"{row['training_digits']:,} training digits' vectors ready in {row['neighbours_ready_s']:.1f} s "
        "(target <= 10 s)"
    )
    for kind, title in (("on_ink", "SmoothGrad x input"), ("every_pixel", "SmoothGrad")):
        correlation = row[kind]["randomisation_rank_correlation"]
        near, field = row[kind]["share_near_ink_median"], row[kind]["field_share_near_ink_median"]
        shares = " / ".join(f"{near[reach]:.0%} (field {field[reach]:.0%})" for reach in ("0", "1", "2"))
        print(
            f"    {title}: with random weights, rank correlation median {correlation['signed_median']:.3f}, "
            f"max {correlation['signed_max']:.3f} (target < 0.5; of absolute values "
            f"{correlation['absolute_median']:.3f}); share of |map| on the ink / within 1 / 2 px: {shares}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["models/cnn.keras", "models/mlp.keras"])
    parser.add_argument("--count", type=int, default=200, help="Real drawings per check (default 200).")
    parser.add_argument("--dev", help="The development set (default: $PENDIGITS_NPZ, else ../shared/data).")
    parser.add_argument("--results-dir", default=RESULTS_DIR, help="Where the preprocessed set is cached.")
    args = parser.parse_args(argv)
    dev_path = find_dev_npz(args.dev)
    if dev_path is None:
        print("The development set of real drawings is missing: see bench/pendigits.py.")
        return 1
    dev = load_dev_set(dev_path, Path(args.results_dir))
    drawn = np.flatnonzero(dev.has_ink)
    chosen = np.random.default_rng(0).choice(drawn, min(args.count, len(drawn)), replace=False)
    images = dev.images[chosen].astype(np.float32)
    data = load_mnist()
    results = {}
    for path in args.models:
        results[Path(path).stem] = measure(path, images, data)
        report(Path(path).stem, results[Path(path).stem])
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
