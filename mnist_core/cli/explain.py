"""`python -m mnist_core explain`: look inside a model for one picture of a digit."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from mnist_core.cli.shared import add_data_option, data_path, print_json
from mnist_core.cli.use import add_model_option
from mnist_core.errors import ConfigError, ImageFileError

INPUT_SCALE = 10  # input.png and saliency.png: 280x280, like the canvas.


def add_commands(commands) -> None:
    explain = commands.add_parser(
        "explain",
        help="Write what a model sees inside for one picture of a digit; print one JSON line.",
        description="Preprocess the picture as the Draw page does, then write to DIR: input.npy (the 28x28 "
        "image the model saw), saliency.npy (SmoothGrad attribution for the predicted digit), and PNG "
        "pictures of the input, the attribution over it, every layer's output and the first layer's "
        "weights. Prints digit, confidence, the layers and the nearest MNIST training digits in the "
        "model's penultimate layer.",
    )
    explain.add_argument(
        "image", metavar="IMAGE", help="A PNG/JPEG picture of one digit (a canvas drawing, a photo)."
    )
    add_model_option(explain)
    explain.add_argument("--out", required=True, type=Path, metavar="DIR", help="Folder for the files.")
    add_data_option(explain)
    explain.set_defaults(handler=_explain)


def _explain(args: argparse.Namespace) -> int:
    import numpy as np

    from mnist_core.data import load_mnist
    from mnist_core.images import read_image
    from mnist_core.inside import pictures
    from mnist_core.inside.explain import explain, first_filters, layer_picture, templates
    from mnist_core.inside.neighbours import neighbour_index
    from mnist_core.persistence import load_model
    from mnist_core.preprocess import canvas_to_mnist

    out = _folder(args.out)
    image, steps = canvas_to_mnist(read_image(args.image), return_steps=True, source="picture")
    if image is None:
        raise ImageFileError(f"{args.image}: {steps.reason}")
    model = load_model(args.model).model
    data = load_mnist(data_path(args))
    index = neighbour_index(model, data.x_train, data.y_train, start=False)
    index.compute_now()
    explanation = explain(model, image, index)
    np.save(out / "input.npy", explanation.image)
    np.save(out / "saliency.npy", explanation.saliency.astype(np.float32))
    pictures.save_png(pictures.enlarge(pictures.grey(image), INPUT_SCALE), out / "input.png")
    pictures.save_png(
        pictures.enlarge(pictures.overlay(image, explanation.saliency), INPUT_SCALE), out / "saliency.png"
    )
    written = ["input.npy", "saliency.npy", "input.png", "saliency.png"]
    for number, (layer, output) in enumerate(zip(explanation.layers, explanation.outputs, strict=True), 1):
        picture = layer_picture(layer, output)
        if picture is not None:
            name = f"layer_{number:02d}_{re.sub(r'[^A-Za-z0-9_.-]', '_', layer.name)}.png"
            pictures.save_png(picture, out / name)
            written.append(name)
    weights = first_filters(explanation.network)
    units = templates(explanation.network, explanation.outputs)
    for name, picture in (("filters.png", weights), ("templates.png", units[2] if units else None)):
        if picture is not None:
            pictures.save_png(picture, out / name)
            written.append(name)
    print_json({**explanation.summary(), "neighbours_from": data.source, "out": str(out), "files": written})
    return 0


def _folder(path: Path) -> Path:
    """The output folder, made if missing.

    Raises:
        ConfigError: It exists and is not a folder, or cannot be made.
    """
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path} is a file; give a folder (it is made if missing).")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"--out {path} cannot be made ({error.strerror}); give a folder you can write to."
        ) from None
    return path
