"""`python -m mnist_core finetune`: teach a model someone's drawings (folders 0/ … 9/, or their zip)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mnist_core.cli.shared import add_data_option, data_path, print_json


def add_commands(commands) -> None:
    finetune = commands.add_parser(
        "finetune",
        help="Teach a model a set of drawings; print one JSON line.",
        description="Fine-tune a model on drawings in folders 0/ to 9/ (or a zip of them, as the My "
        "handwriting page exports), mixed with MNIST so it does not forget it; save the result and print "
        "its accuracy before and after on drawings it did not learn from, and on the MNIST test set.",
    )
    finetune.add_argument("--model", required=True, type=Path, help="The .keras model to start from.")
    finetune.add_argument(
        "--drawings",
        required=True,
        type=Path,
        help="Folders 0/ to 9/ of pictures, or their .zip.",
    )
    finetune.add_argument("--out", required=True, type=Path, help="Where to save the taught model (.keras).")
    add_data_option(finetune)
    finetune.set_defaults(handler=_finetune)


def _finetune(args: argparse.Namespace) -> int:
    from mnist_core.catalog import info_from_loaded
    from mnist_core.config import config_from_dict
    from mnist_core.data import load_mnist
    from mnist_core.errors import DataError
    from mnist_core.files import read_regular_file
    from mnist_core.handwriting import MAX_ARCHIVE_BYTES, read_folder, read_zip
    from mnist_core.persistence import check_model_destination, load_model, save_model
    from mnist_core.teaching import teach

    started = time.perf_counter()
    check_model_destination(args.out)
    loaded = load_model(args.model)
    if args.drawings.is_dir():
        found = read_folder(args.drawings)
    else:
        data = read_regular_file(
            args.drawings,
            max_bytes=MAX_ARCHIVE_BYTES,
            error=DataError,
            label=str(args.drawings),
            fix="give a folder of 0/ to 9/ folders or their .zip",
        )
        found = read_zip(data, str(args.drawings))
    for reason in found.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    mnist = load_mnist(data_path(args))
    known = info_from_loaded(loaded)["config"]
    config = config_from_dict(known) if known else None
    lesson = teach(loaded.model, config.model if config else None, found.images, found.labels, mnist)
    print(f"teaching {len(found.labels)} drawings ({lesson.method})…", file=sys.stderr, flush=True)
    result = lesson.job.run()
    lesson.measured.wait()
    figures = lesson.figures
    if result is None:
        print_json({"status": "failed", "message": lesson.job.progress().message})
        return 1
    save_model(
        result.model,
        args.out,
        config=config,
        data_source=mnist.source,
        test_accuracy=result.test_accuracy,
        extra={"taught_from": str(args.model), "handwriting": figures},
    )
    print_json(
        {
            "status": "done",
            "out": str(args.out),
            "drawings": len(found.labels),
            "skipped": len(found.skipped),
            "method": lesson.method,
            "held_out": figures.get("held_out"),
            "before": figures.get("before"),
            "after": figures.get("after"),
            "mnist_before": figures.get("mnist_before"),
            "mnist_after": figures.get("mnist_after"),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    return 0
