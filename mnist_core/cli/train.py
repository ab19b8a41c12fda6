"""`python -m mnist_core train`: its options come from the table of training fields."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mnist_core.cli.shared import add_data_option, data_path, print_json
from mnist_core.config import MODEL_KINDS, TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.fields import FieldSpec, format_text
from mnist_core.overrides import base_config, command_line_fields, with_fields
from mnist_core.presets import PRESETS

# Conv-block fields can differ per block, so they are written as text ("true,false"), not as flags.
PER_BLOCK = ("filters", "kernel_size", "strides", "pooling")
METAVARS = {"int": "N", "float": "X", "sizes": "LIST", "bool": "BOOL"}


def add_commands(commands) -> None:
    train = commands.add_parser(
        "train",
        help="Train a model and save it as .keras with a JSON sidecar.",
        description="Train a model from a preset or from options, print progress per epoch on stderr, "
        "save it, and print one JSON line with the results. Every training field has an option; "
        "options a model kind does not have are refused.",
    )
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help=f"A named recipe: {', '.join(PRESETS)}.")
    source.add_argument("--model", choices=MODEL_KINDS, help="Start from this kind's defaults.")
    train.add_argument("--out", required=True, type=Path, help="Where to save the model (.keras).")
    add_data_option(train)
    for name, field_spec in command_line_fields().items():
        _add_field_option(train, name, field_spec)
    train.set_defaults(handler=_train)


def option_name(name: str) -> str:
    """The command-line option of a table field: `early_stopping_patience` -> `--early-stopping-patience`."""
    return "--" + name.replace("_", "-")


def _add_field_option(parser: argparse.ArgumentParser, name: str, field_spec: FieldSpec) -> None:
    help_text = field_spec.help.replace("%", "%%") + _bounds(field_spec)
    if field_spec.kind == "bool" and name not in PER_BLOCK:
        parser.add_argument(
            option_name(name), action=argparse.BooleanOptionalAction, default=None, help=help_text
        )
    elif field_spec.kind == "choice":
        parser.add_argument(option_name(name), choices=field_spec.choices, help=help_text)
    else:
        parser.add_argument(option_name(name), metavar=name.upper(), help=help_text)


def _bounds(field_spec: FieldSpec) -> str:
    parts = []
    if field_spec.minimum is not None:
        parts.append(f"{format_text(field_spec.minimum)} to {format_text(field_spec.maximum)}")
    if field_spec.name in PER_BLOCK:
        parts.append(
            "one value per conv block, or one for all" if field_spec.name != "filters" else "per block"
        )
    if field_spec.optional:
        parts.append("none switches it off")
    return f" ({'; '.join(parts)})" if parts else ""


def config_from_args(args: argparse.Namespace) -> TrainingConfig:
    """The training configuration the `train` options describe.

    Raises:
        ConfigError: An empty or unknown preset, an option the model kind does not have, or a bad value.
    """
    if args.preset is not None and not args.preset.strip():
        raise ConfigError(f"--preset is empty; choose one of {', '.join(PRESETS)}.")
    config = base_config(args.preset, args.model)
    values = {name: getattr(args, name) for name in command_line_fields() if getattr(args, name) is not None}
    return with_fields(config, values)


def _train(args: argparse.Namespace) -> int:
    from mnist_core.data import load_mnist, make_splits
    from mnist_core.persistence import check_model_destination, save_model
    from mnist_core.settings import check_caps, load_settings
    from mnist_core.sizing import describe_model
    from mnist_core.training import TrainingJob

    config = config_from_args(args)
    check_model_destination(args.out)
    data = load_mnist(data_path(args))
    check_caps(config, load_settings(), len(data.y_train))
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
    if result is None:
        print(f"error: {progress.message}", file=sys.stderr)
        print_json({"status": str(progress.status), "message": progress.message})
        return 1
    save_model(
        result.model,
        args.out,
        config=config,
        data_source=data.source,
        test_accuracy=result.test_accuracy,
        extra={"train_seconds": round(result.seconds, 2), "epochs_run": len(progress.epochs_history)},
    )
    print_json(
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
    return 0
