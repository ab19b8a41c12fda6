"""Teaching a model one writer's handwriting: 5 drawings per digit taught, the writer's other drawings tested.

For each of the development set's 30 writers (real pen drawings by people
outside MNIST, `../shared/data/pendigits_dev.npz`), the model is fine-tuned on
5 drawings of each digit exactly as the My handwriting page does it
(`mnist_core.finetune`: the drawings mixed with MNIST replay, as a
TrainingJob), then scored on the writer's remaining drawings and on the MNIST
test set. Prints one row per writer, the summary and one JSON line.

    MNIST_NPZ=../shared/data/mnist.npz python -m bench.finetune_writers [--model models/cnn.keras]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

from bench.pendigits import find_dev_npz, load_dev_set
from mnist_core.catalog import info_from_loaded
from mnist_core.config import config_from_dict
from mnist_core.data import load_mnist
from mnist_core.finetune import FinetuneConfig, teaching_splits, training_config
from mnist_core.persistence import load_model
from mnist_core.predict import predict_probabilities
from mnist_core.training import TrainingJob

PER_DIGIT = 5


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    return float((predict_probabilities(model, images).argmax(axis=1) == labels).mean())


def teach_one_writer(model, config, dev, writer: int, data, settings: FinetuneConfig, rng) -> dict:
    mine = np.flatnonzero((dev.writers == writer) & dev.has_ink)
    taught = np.concatenate(
        [rng.permutation(mine[dev.labels[mine] == digit])[:PER_DIGIT] for digit in range(10)]
    )
    tested = np.setdiff1d(mine, taught)
    images = np.round(dev.images * 255).astype(np.uint8)
    before = accuracy(model, images[tested], dev.labels[tested])
    splits = teaching_splits(images[taught], dev.labels[taught], images[:0], dev.labels[:0], data, settings)
    started = time.perf_counter()
    job = TrainingJob(training_config(config, settings), splits, start_from=model)
    result = job.run()
    total = time.perf_counter() - started
    if result is None:
        raise RuntimeError(f"writer {writer}: the fine-tune did not finish: {job.progress().message}")
    return {
        "writer": writer,
        "taught": len(taught),
        "tested": len(tested),
        "before": round(before, 4),
        "after": round(accuracy(result.model, images[tested], dev.labels[tested]), 4),
        "mnist_after": round(result.test_accuracy, 4),
        "fit_s": round(result.seconds, 2),
        "total_s": round(total, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/cnn.keras", help="The model to teach (default the CNN).")
    parser.add_argument("--writers", type=int, default=30, help="How many writers (default all 30).")
    parser.add_argument("--epochs", type=int, default=FinetuneConfig.epochs)
    parser.add_argument("--copies", type=int, default=FinetuneConfig.copies)
    parser.add_argument("--replay", type=int, default=FinetuneConfig.replay)
    parser.add_argument("--learning-rate", type=float, default=FinetuneConfig.learning_rate)
    parser.add_argument("--batch-size", type=int, default=FinetuneConfig.batch_size)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dev_path = find_dev_npz()
    if dev_path is None:
        print("error: no pendigits_dev.npz (set PENDIGITS_NPZ)", file=sys.stderr)
        return 1
    dev = load_dev_set(dev_path)
    data = load_mnist()
    loaded = load_model(args.model)
    config_dict = info_from_loaded(loaded)["config"]
    base = config_from_dict(config_dict).model if config_dict else None
    settings = FinetuneConfig(
        args.epochs, args.learning_rate, args.batch_size, args.copies, args.replay, args.seed
    )
    mnist_before = accuracy(loaded.model, data.x_test, data.y_test)
    rng = np.random.default_rng(args.seed)
    rows = []
    for writer in sorted(set(dev.writers.tolist()))[: args.writers]:
        row = teach_one_writer(loaded.model, base, dev, writer, data, settings, rng)
        rows.append(row)
        change = f"{row['before']:.1%} -> {row['after']:.1%} on {row['tested']} drawings"
        timing = f"fit {row['fit_s']:.1f} s (total {row['total_s']:.1f} s)"
        print(f"writer {row['writer']:2d}: {change}, MNIST {row['mnist_after']:.2%}, {timing}", flush=True)
    summary = {
        "bench": "finetune_writers",
        "model": args.model,
        "settings": vars(settings),
        "writers": len(rows),
        "before_mean": round(statistics.mean(row["before"] for row in rows), 4),
        "after_mean": round(statistics.mean(row["after"] for row in rows), 4),
        "after_worst": min(row["after"] for row in rows),
        "before_worst": min(row["before"] for row in rows),
        "mnist_before": round(mnist_before, 4),
        "mnist_after_median": statistics.median(row["mnist_after"] for row in rows),
        "mnist_after_worst": min(row["mnist_after"] for row in rows),
        "fit_s_median": statistics.median(row["fit_s"] for row in rows),
        "fit_s_max": max(row["fit_s"] for row in rows),
        "total_s_median": statistics.median(row["total_s"] for row in rows),
        "total_s_max": max(row["total_s"] for row in rows),
        "rows": rows,
    }
    drawings = f"mean {summary['before_mean']:.2%} -> {summary['after_mean']:.2%}, worst writer "
    drawings += f"{summary['before_worst']:.1%} -> {summary['after_worst']:.1%}"
    mnist = f"MNIST {summary['mnist_before']:.2%} -> median {summary['mnist_after_median']:.2%}, "
    mnist += f"worst {summary['mnist_after_worst']:.2%}"
    timing = f"fit median {summary['fit_s_median']:.1f} s, max {summary['fit_s_max']:.1f} s; whole fine-tune "
    timing += f"median {summary['total_s_median']:.1f} s, max {summary['total_s_max']:.1f} s"
    print(f"{drawings}; {mnist}; {timing}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
