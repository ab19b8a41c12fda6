"""Time to 99% test accuracy: `fast-cnn` against the classic `seed-cnn-dropout`.

Both presets train in this one process on the same data (full 60k training
set minus the 6k validation split), epoch by epoch, interleaved so that the
machine's speed drift hits both alike. Only `fit` is timed; test accuracy on
the standard 10k test set is measured after each epoch, outside the timer.

    MNIST_NPZ=../shared/data/mnist.npz python -m bench.time_to_99 [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from mnist_core.data import load_mnist, make_splits
from mnist_core.models import build_model
from mnist_core.pipeline import make_dataset, steps_per_epoch
from mnist_core.predict import predict_probabilities
from mnist_core.presets import get_preset
from mnist_core.runtime import device_description, tensorflow

TARGET = 0.99


class Run:
    """One preset being trained epoch by epoch."""

    def __init__(
        self,
        preset: str,
        splits,
        seed: int,
        epochs: int | None,
        train_size: int | None,
        runs_full_schedule: bool,
    ):
        import keras

        config = get_preset(preset).config
        config = config.replace(seed=seed, **({"epochs": epochs} if epochs else {}))
        self.name, self.config, self.splits = preset, config, splits
        keras.utils.set_random_seed(seed)
        examples = len(splits.y_train) if train_size is None else train_size
        self.model = build_model(config, steps_per_epoch=steps_per_epoch(examples, config.batch_size))
        self.dataset = make_dataset(
            splits.x_train[:examples], splits.y_train[:examples], config.batch_size, shuffle=True, seed=seed
        )
        self.runs_full_schedule = runs_full_schedule
        self.epoch, self.seconds, self.rows = 0, 0.0, []

    def wants_more(self) -> bool:
        """The fast preset runs its full schedule; the baseline stops at the target."""
        if self.epoch >= self.config.epochs:
            return False
        return self.runs_full_schedule or self.time_to_target() is None

    def train_one_epoch(self) -> dict:
        start = time.perf_counter()
        self.model.fit(
            self.dataset, initial_epoch=self.epoch, epochs=self.epoch + 1, verbose=0, shuffle=False
        )
        took = time.perf_counter() - start
        self.epoch += 1
        self.seconds += took
        probabilities = predict_probabilities(self.model, self.splits.x_test)
        accuracy = float((probabilities.argmax(axis=1) == self.splits.y_test).mean())
        row = {"epoch": self.epoch, "seconds": took, "total_seconds": self.seconds, "test_accuracy": accuracy}
        self.rows.append(row)
        return row

    def time_to_target(self) -> float | None:
        return next((row["total_seconds"] for row in self.rows if row["test_accuracy"] >= TARGET), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="Independent seeds (median reported).")
    parser.add_argument("--fast", default="fast-cnn")
    parser.add_argument("--baseline", default="seed-cnn-dropout")
    parser.add_argument("--baseline-epochs", type=int, default=8, help="Epochs the baseline may take.")
    parser.add_argument("--train-size", type=int, help="Use fewer training examples (smoke tests).")
    parser.add_argument("--fast-epochs", type=int, help="Override the fast preset's epochs (smoke tests).")
    args = parser.parse_args()

    tensorflow()
    data = load_mnist()
    splits = make_splits(data)
    print(f"data: {data.source}")
    print(f"device: {device_description()}")
    results = []
    for repeat in range(args.repeats):
        runs = [
            Run(args.fast, splits, repeat, args.fast_epochs, args.train_size, runs_full_schedule=True),
            Run(
                args.baseline, splits, repeat, args.baseline_epochs, args.train_size, runs_full_schedule=False
            ),
        ]
        # Alternate epochs; the baseline stops once it has reached the target.
        while active := [run for run in runs if run.wants_more()]:
            for run in active:
                row = run.train_one_epoch()
                print(
                    f"repeat {repeat + 1} {run.name:>18} epoch {row['epoch']:>2}: {row['seconds']:6.2f} s "
                    f"(total {row['total_seconds']:6.2f} s)  test accuracy {row['test_accuracy']:.4f}",
                    flush=True,
                )
        fast, baseline = (run.time_to_target() for run in runs)
        ratio = baseline / fast if fast and baseline else None
        results.append(
            {
                "fast_s": fast,
                "baseline_s": baseline,
                "ratio": ratio,
                "fast_final_accuracy": runs[0].rows[-1]["test_accuracy"],
            }
        )
        print(
            f"repeat {repeat + 1}: time to {TARGET:.0%}: {args.fast} {_fmt(fast)}, {args.baseline} "
            f"{_fmt(baseline)}, ratio {'n/a' if ratio is None else f'{ratio:.2f}x'}",
            flush=True,
        )
    reached = [r for r in results if r["ratio"] is not None]
    summary = {
        "fast": args.fast,
        "baseline": args.baseline,
        "repeats": len(results),
        "median_fast_seconds": statistics.median(r["fast_s"] for r in reached) if reached else None,
        "median_baseline_seconds": statistics.median(r["baseline_s"] for r in reached) if reached else None,
        "median_ratio": statistics.median(r["ratio"] for r in reached) if reached else None,
        "fast_final_accuracy": float(np.median([r["fast_final_accuracy"] for r in results])),
        "runs": results,
    }
    print(json.dumps(summary))


def _fmt(seconds: float | None) -> str:
    return "not reached" if seconds is None else f"{seconds:.1f} s"


if __name__ == "__main__":
    main()
