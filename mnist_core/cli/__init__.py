"""The command line: `python -m mnist_core COMMAND`.

Each command (one module each) parses its arguments, calls the library, and
turns the library's own errors into one sentence on stderr with exit code 2.
Results go to stdout as strict JSON, one line per answer.
"""

from __future__ import annotations

import argparse
import sys

from mnist_core.cli import explain, shift, teach, train, use
from mnist_core.errors import MnistCoreError
from mnist_core.runtime import quiet_native_import_logs

USER_ERROR = 2
COMMANDS = (train, use, teach, shift, explain)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet_native_import_logs()  # Errors go to stderr as one line: no TensorFlow start-up notices.
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
    for module in COMMANDS:
        module.add_commands(commands)
    return parser
