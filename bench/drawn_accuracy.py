"""How well models plus our canvas preprocessing read digits drawn on the canvas.

First figure: the development set of real pen drawings (`bench.pendigits`:
7,494 digits by 30 writers outside MNIST, replayed as the canvas delivers
them) through `canvas_to_mnist` and the model, exactly as the Draw page does:
overall, per digit, per writer (min, median), top confusions, and a contact
sheet of the errors per model in the results folder. Second figure, with
--proxy (or --sets / --hard): the re-stroked-MNIST proxy (`bench.drawn_proxy`).
Ends with one JSON line.

    python -m bench.drawn_accuracy [--proxy] [--hard] [--failures]

A textbook CNN to compare with (--textbook-model) is one command away:
`python -m mnist_core train --preset seed-cnn-dropout --out bench/results/textbook_cnn.keras`.

Targets for the default CNN on the real drawings: >= 97% overall, every digit
>= 93%, the worst writer >= 90%. Use the set to measure and choose only:
never train on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.drawn_digits import RESULTS_DIR, STYLES
from bench.drawn_proxy import score_proxy
from bench.pendigits import (
    ENV_VAR,
    find_dev_npz,
    load_dev_set,
    print_dev_figures,
    save_error_sheet,
    score_dev_model,
)
from mnist_core.errors import DataError, ModelFileError
from mnist_core.persistence import load_model

DEFAULT_MODELS = ("models/cnn.keras", "models/mlp.keras")


def load_models(model_paths: list[str], textbook_model: str | None = None) -> dict:
    """Loaded models by a short name (the file stem, or the path when stems clash)."""
    stems = [Path(path).stem for path in model_paths]
    models = {
        stem if stems.count(stem) == 1 else str(path): load_model(path).model
        for stem, path in zip(stems, model_paths, strict=True)
    }
    if textbook_model:
        models["textbook"] = load_model(textbook_model).model
    return models


def score_real(models: dict, dev_path: Path, results_dir: Path = RESULTS_DIR) -> dict:
    """Scores every model on the real-drawing development set; returns the figures (also printed)."""
    start = time.perf_counter()
    dev = load_dev_set(dev_path, results_dir)
    print(
        f"[real drawings] {len(dev.labels)} drawings by {len(set(dev.writers.tolist()))} writers ready in "
        f"{time.perf_counter() - start:.1f} s (preprocessing median {dev.preprocess_ms:.2f} ms)",
        file=sys.stderr,
    )
    report = {
        "path": str(dev_path),
        "drawings": len(dev.labels),
        "writers": len(set(dev.writers.tolist())),
        "preprocess_median_ms": round(dev.preprocess_ms, 3),
        "models": {},
    }
    for name, model in models.items():
        figures, predicted, confidence = score_dev_model(model, dev)
        sheet = save_error_sheet(dev, predicted, confidence, Path(results_dir) / f"errors_real_{name}.png")
        figures["errors_sheet"] = str(sheet) if sheet else None
        report["models"][name] = figures
        print_dev_figures(name, figures)
        print(f"    errors: {sheet}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models", nargs="+", default=list(DEFAULT_MODELS), help="Model files (default: %(default)s)."
    )
    parser.add_argument("--textbook-model", help="Also score this textbook CNN as a baseline.")
    parser.add_argument(
        "--dev",
        type=Path,
        help=f"The real-drawing development set (default: ${ENV_VAR}, else "
        "../shared/data/pendigits_dev.npz beside the checkout).",
    )
    parser.add_argument(
        "--proxy", action="store_true", help="Also score the re-stroked-MNIST proxy (second figure)."
    )
    parser.add_argument("--count", type=int, default=2000, help="Proxy drawings per set (default 2000).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the proxy set (default 0).")
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=list(STYLES),
        help="Proxy sets to score (implies --proxy; default: normal). thin: 12 px pen on 240 px digits; "
        "thick: 28 px pen on 120 px digits; messy: more rotation, slant, wobble and squashing; "
        "continental: 1s with a flag, 7s with a crossbar.",
    )
    parser.add_argument(
        "--hard",
        action="store_true",
        help="Score every proxy set (implies --proxy): --sets " + " ".join(STYLES),
    )
    parser.add_argument(
        "--failures",
        action="store_true",
        help="Save a sheet of the first model's failures on each proxy set in the results folder.",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help="Where the sets are cached and contact sheets saved (default: bench/results).",
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count {args.count} must be at least 1.")
    set_names = list(STYLES) if args.hard else list(dict.fromkeys(args.sets or ["normal"]))
    proxy = args.proxy or args.hard or bool(args.sets)
    dev_path = find_dev_npz(args.dev)
    try:
        models = load_models(args.models, args.textbook_model)
        if dev_path is None and (args.dev or not proxy):
            raise DataError(
                f"the real-drawing development set was not found ({args.dev or f'${ENV_VAR} unset'}, no "
                "../shared/data/pendigits_dev.npz); pass --dev PATH, or score only the proxy with --proxy."
            )
        report: dict = {"real": None, "proxy": None}
        if dev_path is not None:
            report["real"] = score_real(models, dev_path, args.results_dir)
        else:
            print("[real drawings] development set not found: skipped.", file=sys.stderr)
        if proxy:
            report["proxy"] = score_proxy(
                models, args.count, args.seed, set_names, args.failures, args.results_dir
            )
    except (ModelFileError, DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
