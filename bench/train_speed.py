"""Training speed of the app's path against plain `model.fit`.

The app's path is a `TrainingJob` (worker thread, per-batch metric recording,
stop checks, tf.data over the shared uint8 images) while another thread polls
`job.progress()` once a second as the Train page does. The baseline is plain
`model.fit` on float32 NumPy arrays of the same data, same model and batch
size. Runs alternate (baseline, job, baseline, job, ...) in one process and
the median samples/s of each is compared.

    MNIST_NPZ=../shared/data/mnist.npz python -m bench.train_speed [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from mnist_core.data import load_mnist, make_splits
from mnist_core.models import build_model
from mnist_core.pipeline import steps_per_epoch
from mnist_core.presets import get_preset
from mnist_core.runtime import device_description, tensorflow
from mnist_core.training import TrainingJob

POLL_INTERVAL_S = 1.0


def plain_fit(config, splits) -> float:
    """Samples/s of `model.fit` on float32 arrays, timed around fit alone."""
    import keras

    keras.utils.set_random_seed(config.seed)
    model = build_model(config, steps_per_epoch=steps_per_epoch(len(splits.y_train), config.batch_size))
    x_train = splits.x_train.astype(np.float32) / 255.0
    x_val = splits.x_val.astype(np.float32) / 255.0
    start = time.perf_counter()
    model.fit(
        x_train,
        splits.y_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(x_val, splits.y_val),
        verbose=0,
    )
    return len(splits.y_train) * config.epochs / (time.perf_counter() - start)


def job_path(config, splits) -> float:
    """Samples/s of a TrainingJob with a polling reader, timed over its epochs."""
    job = TrainingJob(config, splits)
    polls = []
    job.start()
    while not job.wait(POLL_INTERVAL_S):
        polls.append(job.progress())
    progress = job.progress()
    if progress.status != "done":
        raise RuntimeError(f"the job ended as {progress.status}: {progress.message}")
    seconds = sum(row["seconds"] for row in progress.epochs_history)
    return len(splits.y_train) * config.epochs / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="fast-cnn")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-size", type=int, help="Use fewer training examples (smoke tests).")
    args = parser.parse_args()

    tensorflow()
    data = load_mnist()
    config = get_preset(args.preset).config.replace(epochs=args.epochs)
    splits = make_splits(data, train_size=args.train_size)
    print(f"data: {data.source}")
    print(f"device: {device_description()}")
    examples = len(splits.y_train)
    print(f"preset {args.preset}, batch {config.batch_size}, {examples:,} examples x {args.epochs} epochs")
    rates: dict[str, list[float]] = {"plain_fit": [], "training_job": []}
    for repeat in range(args.repeats):
        for name, measure in (("plain_fit", plain_fit), ("training_job", job_path)):
            rate = measure(config, splits)
            rates[name].append(rate)
            print(f"repeat {repeat + 1} {name:>12}: {rate:8.0f} samples/s", flush=True)
    fit_median = statistics.median(rates["plain_fit"])
    job_median = statistics.median(rates["training_job"])
    ratio = job_median / fit_median
    print(f"median samples/s: plain fit {fit_median:.0f}, training job {job_median:.0f}; ratio {ratio:.3f}")
    print(
        json.dumps(
            {
                "preset": args.preset,
                "plain_fit": fit_median,
                "training_job": job_median,
                "ratio": ratio,
                "rates": rates,
            }
        )
    )


if __name__ == "__main__":
    main()
