"""`python -m mnist_core shift-average`: wrap a classifier so it averages over one-pixel shifts."""

from __future__ import annotations

import argparse
from pathlib import Path

from mnist_core.cli.shared import add_data_option, data_path, print_json


def add_commands(commands) -> None:
    shift = commands.add_parser(
        "shift-average",
        help="Save a model that averages a classifier over one-pixel shifts; print one JSON line.",
        description="Wrap a trained classifier in one model that runs it on the image and its eight "
        "one-pixel shifts and averages the answers (test-time augmentation in a safe-mode .keras file); "
        "score it on the MNIST test set and save it with the original's sidecar facts.",
    )
    shift.add_argument("model", type=Path, help="A trained .keras classifier.")
    shift.add_argument("--out", required=True, type=Path, help="Where to save the wrapped model (.keras).")
    add_data_option(shift)
    shift.set_defaults(handler=_shift_average)


def _shift_average(args: argparse.Namespace) -> int:
    from mnist_core.catalog import info_from_loaded
    from mnist_core.config import config_from_dict
    from mnist_core.data import load_mnist
    from mnist_core.evaluation import evaluate_model
    from mnist_core.persistence import check_model_destination, load_model, save_model
    from mnist_core.test_time import SHIFTS, shift_average

    check_model_destination(args.out)
    loaded = load_model(args.model)
    wrapped = shift_average(loaded.model)
    data = load_mnist(data_path(args))
    report = evaluate_model(wrapped, data.x_test, data.y_test)
    known = info_from_loaded(loaded)
    kept = {key: loaded.info[key] for key in ("train_seconds", "epochs_run") if key in loaded.info}
    save_model(
        wrapped,
        args.out,
        config=config_from_dict(known["config"]) if known["config"] else None,
        data_source=data.source,
        test_accuracy=report.accuracy,
        extra={
            **kept,
            "test_time_shifts": [list(shift) for shift in SHIFTS],
            "single_model_test_accuracy": known["test_accuracy"],
        },
    )
    print_json({"out": str(args.out), "test_accuracy": round(report.accuracy, 6), "shifts": len(SHIFTS)})
    return 0
