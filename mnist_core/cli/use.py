"""`python -m mnist_core evaluate|predict|presets`: using models that exist."""

from __future__ import annotations

import argparse
from pathlib import Path

from mnist_core.cli.shared import add_data_option, data_path, print_json
from mnist_core.errors import MnistCoreError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = PACKAGE_ROOT / "models" / "cnn.keras"


def add_commands(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate",
        help="Score a saved model; print one JSON object.",
        description="Print accuracy, loss, confusion matrix and per-class accuracy.",
    )
    evaluate.add_argument("--model", required=True, type=Path, help="A .keras model file.")
    add_data_option(evaluate)
    evaluate.add_argument("--split", choices=("test", "validation"), default="test")
    evaluate.set_defaults(handler=_evaluate)

    predict = commands.add_parser(
        "predict",
        help="Classify image files of digits; one JSON line each.",
        description="Classify PNG/JPEG images (a saved canvas drawing, a photo of a "
        "digit on paper) with the same preprocessing as the Draw page.",
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="Image files.")
    add_model_option(predict)
    predict.set_defaults(handler=_predict)

    presets = commands.add_parser(
        "presets",
        help="List the named training recipes.",
        description="List the named training recipes with their architectures.",
    )
    presets.set_defaults(handler=_presets)


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """--model PATH, defaulting to the shipped CNN."""
    parser.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL,
        help=f"A .keras model (default: {DEFAULT_MODEL.relative_to(PACKAGE_ROOT)}).",
    )


def _evaluate(args: argparse.Namespace) -> int:
    from mnist_core.data import load_mnist, make_splits
    from mnist_core.evaluation import evaluate_model
    from mnist_core.persistence import load_model

    loaded = load_model(args.model)
    data = load_mnist(data_path(args))
    splits = make_splits(data)
    images, labels = (splits.x_test, splits.y_test) if args.split == "test" else (splits.x_val, splits.y_val)
    report = evaluate_model(loaded.model, images, labels)
    print_json(
        {
            "model": str(args.model),
            "split": args.split,
            "examples": len(labels),
            "data_source": data.source,
            **report.to_dict(),
        }
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    from mnist_core.images import read_image
    from mnist_core.persistence import load_model
    from mnist_core.predict import predict_one
    from mnist_core.preprocess import canvas_to_mnist

    model = load_model(args.model).model
    failures = 0
    for file in args.images:
        line: dict = {"file": file}
        try:
            image, steps = canvas_to_mnist(read_image(file), return_steps=True, source="picture")
            if image is None:
                line.update({"digit": None, "error": steps.reason})
                failures += 1
            else:
                line.update(predict_one(model, image).to_dict())
        except (MnistCoreError, ValueError) as error:
            line.update({"digit": None, "error": str(error)})
            failures += 1
        print_json(line)
    return 1 if failures else 0


def _presets(args: argparse.Namespace) -> int:
    from mnist_core.presets import PRESETS
    from mnist_core.sizing import describe_model

    for preset in PRESETS.values():
        print(f"{preset.name}\n  {preset.description}\n  {describe_model(preset.config.model)}")
    return 0
