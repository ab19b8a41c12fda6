"""What the commands share: the --data option and strict JSON output."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from mnist_core.errors import DataError

DATA_HELP = "A keras-layout mnist.npz (default: $MNIST_NPZ, else keras's download, else the offline 5,000)."


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help=DATA_HELP)


def data_path(args: argparse.Namespace) -> str | None:
    """The --data path, or None when not given.

    Raises:
        DataError: --data was given but empty (it would silently mean "use the fallback").
    """
    if args.data is None:
        return None
    if not args.data.strip():
        raise DataError("--data is empty; give the path of a keras-layout mnist.npz, or leave --data out.")
    return args.data


def finite(value: Any) -> Any:
    """`value` with every non-finite float (NaN, infinity) replaced by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def print_json(value: dict) -> None:
    """One line of strict JSON on stdout (never NaN or Infinity)."""
    print(json.dumps(finite(value), allow_nan=False), flush=True)
    sys.stdout.flush()
