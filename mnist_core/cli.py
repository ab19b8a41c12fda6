"""The command line: `python -m mnist_core {train,evaluate,predict,presets}`.

Each command parses its arguments, calls the library, and turns the
library's own errors into one sentence on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from mnist_core.config import (
    ACTIVATIONS,
    LR_SCHEDULES,
    OPTIMIZERS,
    CNNConfig,
    ConvBlock,
    MLPConfig,
    TrainingConfig,
)
from mnist_core.errors import MnistCoreError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PACKAGE_ROOT / "models" / "cnn.keras"
USER_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except MnistCoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mnist_core",
        description="Train, evaluate and use MNIST digit classifiers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="Train a model and save it as .keras with a JSON sidecar.",
        description="Train a model from a preset or from options, print progress per "
        "epoch on stderr, save it, and print one JSON line with the results.",
    )
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help="A named recipe (see `presets`).")
    source.add_argument("--model", choices=("mlp", "cnn"), help="Build a model from the options below.")
    train.add_argument("--out", required=True, type=Path, help="Where to save the model (.keras).")
    train.add_argument("--data", help="A keras-layout mnist.npz (default: $MNIST_NPZ, else keras download).")
    train.add_argument("--epochs", type=int, help="Passes over the training data.")
    train.add_argument("--batch-size", type=int, help="Examples per step.")
    train.add_argument("--learning-rate", type=float, help="Peak learning rate.")
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--lr-schedule", choices=LR_SCHEDULES)
    train.add_argument("--seed", type=int, help="Seed for weights, shuffling and augmentation.")
    train.add_argument("--validation-size", type=int, help="Examples held out (default: last 10%%).")
    train.add_argument("--train-size", type=int, help="Use only this many training examples.")
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Random shifts, rotations, zooms and stroke widths.",
    )
    train.add_argument(
        "--early-stopping", type=int, metavar="PATIENCE", help="Stop after PATIENCE epochs without progress."
    )
    train.add_argument(
        "--target-accuracy", type=float, help="Stop once validation accuracy reaches this (0-1)."
    )
    train.add_argument("--hidden-units", help="MLP: comma-separated layer sizes, e.g. 128,64.")
    train.add_argument("--activation", choices=ACTIVATIONS)
    train.add_argument("--dropout", type=float, help="MLP dropout, or CNN dense-head dropout.")
    train.add_argument("--filters", help="CNN: comma-separated filters per conv block, e.g. 32,64.")
    train.add_argument("--kernel-size", type=int, help="CNN: kernel side for every block.")
    train.add_argument("--dense-units", help="CNN: comma-separated dense head sizes (empty for none).")
    train.add_argument("--batch-norm", action="store_true", help="CNN: batch normalisation after each conv.")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="Score a saved model; print one JSON object.",
        description="Print accuracy, loss, confusion matrix and per-class accuracy.",
    )
    evaluate.add_argument("--model", required=True, type=Path, help="A .keras model file.")
    evaluate.add_argument(
        "--data", help="A keras-layout mnist.npz (default: $MNIST_NPZ, else keras download)."
    )
    evaluate.add_argument("--split", choices=("test", "validation"), default="test")
    evaluate.set_defaults(handler=_evaluate)

    predict = commands.add_parser(
        "predict",
        help="Classify image files of digits; one JSON line each.",
        description="Classify PNG/JPEG images (a saved canvas drawing, a photo of a "
        "digit on paper) with the same preprocessing as the Draw page.",
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="Image files.")
    predict.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help=f"A .keras model (default: {DEFAULT_MODEL.relative_to(PACKAGE_ROOT)}).",
    )
    predict.set_defaults(handler=_predict)

    presets = commands.add_parser(
        "presets",
        help="List the named training recipes.",
        description="List the named training recipes with their architectures.",
    )
    presets.set_defaults(handler=_presets)
    return parser


def config_from_args(args: argparse.Namespace) -> TrainingConfig:
    """The training configuration the `train` options describe."""
    from mnist_core.presets import get_preset

    if args.preset:
        config = get_preset(args.preset).config
    elif args.model == "mlp":
        config = TrainingConfig(model=MLPConfig())
    else:
        config = TrainingConfig(model=CNNConfig())
    model = config.model
    if isinstance(model, MLPConfig):
        model_changes = {
            "hidden_units": _int_list(args.hidden_units, "--hidden-units"),
            "activation": args.activation,
            "dropout_rate": args.dropout,
        }
    else:
        filters = _int_list(args.filters, "--filters")
        blocks = model.conv_blocks
        if filters is not None:
            template = blocks[-1]
            blocks = tuple(
                ConvBlock(f, template.kernel_size, template.strides, template.pooling) for f in filters
            )
        if args.kernel_size is not None:
            blocks = tuple(ConvBlock(b.filters, args.kernel_size, b.strides, b.pooling) for b in blocks)
        model_changes = {
            "conv_blocks": blocks,
            "dense_units": _int_list(args.dense_units, "--dense-units"),
            "activation": args.activation,
            "dense_dropout_rate": args.dropout,
            "batch_norm": True if args.batch_norm else None,
        }
    model = dataclasses.replace(model, **{k: v for k, v in model_changes.items() if v is not None})
    changes = {
        "model": model,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "optimizer": args.optimizer,
        "lr_schedule": args.lr_schedule,
        "seed": args.seed,
        "validation_size": args.validation_size,
        "train_size": args.train_size,
        "augment": args.augment,
        "early_stopping_patience": args.early_stopping,
        "target_val_accuracy": args.target_accuracy,
    }
    return config.replace(**{k: v for k, v in changes.items() if v is not None})


def _int_list(text: str | None, option: str) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        from mnist_core.errors import ConfigError

        raise ConfigError(f"{option} {text!r} must be comma-separated whole numbers, e.g. 128,64.") from None


def _train(args: argparse.Namespace) -> int:
    from mnist_core.data import load_mnist, make_splits
    from mnist_core.models import describe_model
    from mnist_core.persistence import save_model
    from mnist_core.training import JobStatus, TrainingJob

    config = config_from_args(args)
    if args.out.suffix != ".keras":
        from mnist_core.errors import ModelFileError

        raise ModelFileError(f"--out {args.out} must end in .keras.")
    data = load_mnist(args.data)
    print(data.source, file=sys.stderr)
    print(describe_model(config.model), file=sys.stderr)
    splits = make_splits(data, config.validation_size, config.train_size)

    def report(row: dict) -> None:
        validation = (
            f", val_loss {row['val_loss']:.4f}, val_accuracy {row['val_accuracy']:.4f}"
            if row["val_loss"] is not None
            else ""
        )
        print(
            f"epoch {row['epoch']}/{config.epochs}: loss {row['loss']:.4f}, accuracy {row['accuracy']:.4f}"
            f"{validation} ({row['seconds']:.1f} s)",
            file=sys.stderr,
            flush=True,
        )

    job = TrainingJob(config, splits, on_epoch=report)
    result = job.run()
    progress = job.progress()
    if progress.status != JobStatus.DONE or result is None:
        print(f"error: {progress.message}", file=sys.stderr)
        print(json.dumps({"status": str(progress.status), "message": progress.message}))
        return 1
    save_model(
        result.model,
        args.out,
        config=config,
        data_source=data.source,
        test_accuracy=result.test_accuracy,
        extra={"train_seconds": round(result.seconds, 2), "epochs_run": len(progress.epochs_history)},
    )
    print(
        json.dumps(
            {
                "status": "done",
                "out": str(args.out),
                "test_accuracy": round(result.test_accuracy, 6),
                "test_loss": round(result.test_loss, 6),
                "seconds": round(result.seconds, 2),
                "params": result.params,
                "epochs_run": len(progress.epochs_history),
                "stop_reason": result.stop_reason,
            }
        )
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from mnist_core.data import load_mnist, make_splits
    from mnist_core.evaluation import evaluate_model
    from mnist_core.persistence import load_model

    loaded = load_model(args.model)
    data = load_mnist(args.data)
    splits = make_splits(data)
    images, labels = (splits.x_test, splits.y_test) if args.split == "test" else (splits.x_val, splits.y_val)
    report = evaluate_model(loaded.model, images, labels)
    print(
        json.dumps(
            {
                "model": str(args.model),
                "split": args.split,
                "examples": len(labels),
                "data_source": data.source,
                **report.to_dict(),
            }
        )
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    from mnist_core.images import read_image
    from mnist_core.persistence import load_model
    from mnist_core.predict import predict
    from mnist_core.preprocess import canvas_to_mnist

    model = load_model(args.model).model
    failures = 0
    for file in args.images:
        line: dict = {"file": file}
        try:
            image, steps = canvas_to_mnist(read_image(file), return_steps=True)
            if image is None:
                line.update({"digit": None, "error": steps.reason})
                failures += 1
            else:
                line.update(predict(model, image).to_dict())
        except (MnistCoreError, ValueError) as error:
            line.update({"digit": None, "error": str(error)})
            failures += 1
        print(json.dumps(line), flush=True)
    return 1 if failures else 0


def _presets(args: argparse.Namespace) -> int:
    from mnist_core.models import describe_model
    from mnist_core.presets import PRESETS

    for preset in PRESETS.values():
        print(f"{preset.name}\n  {preset.description}\n  {describe_model(preset.config.model)}")
    return 0
