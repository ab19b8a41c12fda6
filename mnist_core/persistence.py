"""Saving and loading models: native `.keras` files plus a small JSON sidecar.

Loading checks the file before Keras opens it and uses Keras safe mode (see
`safe_loading`), so a decompression bomb or a file with a Lambda layer (which
could run arbitrary code) is refused, and the model must really map a 28x28
image to ten finite probabilities. Saving checks the destination first, and
never overwrites a JSON file that is not one of this app's sidecars.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mnist_core.config import TrainingConfig
from mnist_core.errors import ModelFileError, shorten
from mnist_core.files import check_size, open_regular_file
from mnist_core.models import inference_copy
from mnist_core.safe_loading import (
    ACCEPTED_INPUT_SHAPES,
    MAX_MODEL_FILE_BYTES,
    RESAVE,
    check_archive,
    check_classifier,
    load_keras_file,
)
from mnist_core.sidecars import SIDECAR_FORMAT, is_our_sidecar, read_sidecar, sidecar_path, write_sidecar

__all__ = [
    "ACCEPTED_INPUT_SHAPES",
    "LoadedModel",
    "check_classifier",
    "check_model_destination",
    "load_model",
    "load_model_bytes",
    "model_to_bytes",
    "save_model",
    "sidecar_path",
]


@dataclass
class LoadedModel:
    """A model read from disk with whatever its sidecar says about it."""

    model: Any
    info: dict = field(default_factory=dict)
    path: Path | None = None


def save_model(
    model,
    path: str | os.PathLike,
    *,
    config: TrainingConfig | None = None,
    data_source: str = "",
    test_accuracy: float | None = None,
    extra: dict | None = None,
) -> Path:
    """Writes `path` (.keras) and its sidecar `path.json`; returns the model path.

    Raises:
        ModelFileError: `path` cannot be written (see `check_model_destination`).
    """
    path = check_model_destination(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_model_file(model, path)
    info = {
        "format": SIDECAR_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": config.model.kind if config else None,
        "config": config.to_dict() if config else None,
        "params": int(model.count_params()),
        "data_source": data_source,
        "test_accuracy": test_accuracy,
        **(extra or {}),
    }
    write_sidecar(path, info)
    return path


def check_model_destination(path: str | os.PathLike) -> Path:
    """Checks that a model can be saved at `path`, before any training is spent on it.

    Nothing is created: folders that do not exist yet only need a writable
    folder above them.

    Returns:
        `path` as a Path.

    Raises:
        ModelFileError: `path` does not end in .keras, is a directory or
            another non-file, lies under a file, or cannot be written; or its
            sidecar `path.json` is a directory or a file that is not one of
            this app's sidecars.
    """
    path = Path(path)
    label = f"cannot save to {shorten(path)}"
    if path.suffix != ".keras":
        raise ModelFileError(f"{label}: model files must end in .keras.")
    sidecar = sidecar_path(path)
    for target, what in ((path, "it"), (sidecar, f"its sidecar {shorten(sidecar.name)}")):
        kind = _kind_of(target, label)
        if kind == "directory":
            raise ModelFileError(f"{label}: {what} is a directory; choose a file name that is free.")
        if kind not in ("", "file"):
            raise ModelFileError(f"{label}: {what} is {kind}, not a regular file; choose another file name.")
    if _kind_of(sidecar, label) == "file" and not is_our_sidecar(sidecar):
        raise ModelFileError(
            f"{label}: {shorten(sidecar)} exists and is not a model sidecar of this app, so it would be "
            "overwritten; move it away or choose another name."
        )
    folder = path.parent
    while _kind_of(folder, label) == "":
        if folder.parent == folder:
            break
        folder = folder.parent
    if _kind_of(folder, label) != "directory":
        raise ModelFileError(
            f"{label}: {shorten(folder)} is a file, not a folder, so the folder cannot be created; "
            "choose another place."
        )
    _check_writable(path if _kind_of(path, label) == "file" else folder, label)
    return path


def write_model_file(model, path: Path) -> None:
    """Writes the model's architecture and weights (no optimizer state) as a `.keras` file."""
    inference_copy(model).save(path)


def load_model(path: str | os.PathLike) -> LoadedModel:
    """Loads a `.keras` MNIST classifier in safe mode, with its sidecar if any.

    A sidecar that cannot be used becomes `info["warning"]`; it never stops
    the model from loading.

    Raises:
        ModelFileError: Missing or not a regular file, not a .keras archive,
            over the size limits, corrupt, refused by safe mode, or not a
            28x28 -> 10 classifier with finite outputs.
    """
    path = Path(path)
    with open_regular_file(
        path,
        max_bytes=MAX_MODEL_FILE_BYTES,
        error=ModelFileError,
        label=f"model file {shorten(path)}",
        fix="give the path of a .keras file, or train one with `python -m mnist_core train`",
        too_big=RESAVE + " from a smaller model",
    ) as handle:
        check_archive(handle, path.name)
    model = load_keras_file(path, shorten(path.name))
    return LoadedModel(model=model, info=read_sidecar(path), path=path)


def load_model_bytes(data: bytes, filename: str = "upload.keras") -> LoadedModel:
    """Loads an uploaded `.keras` file from memory, in safe mode.

    Its size and zip directory are checked before anything is written to disk.

    Raises:
        ModelFileError: As for `load_model`.
    """
    name = shorten(filename)
    check_size(len(data), MAX_MODEL_FILE_BYTES, error=ModelFileError, label=name, fix=RESAVE)
    check_archive(io.BytesIO(data), filename)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.keras"
        path.write_bytes(data)
        model = load_keras_file(path, name)
    return LoadedModel(model=model, info={"uploaded_as": filename})


def model_to_bytes(model) -> bytes:
    """The model as `.keras` file bytes (weights and architecture), for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        inference_copy(model).save(path)
        return path.read_bytes()


def _kind_of(path: Path, label: str) -> str:
    """ "" (nothing there), "file", "directory", or what else is at `path`, following links."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return ""
    except (OSError, ValueError) as error:
        raise ModelFileError(f"{label}: {shorten(path)} cannot be checked ({shorten(error)}).") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    return "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"


def _check_writable(target: Path, label: str) -> None:
    """Tries to write: into a folder by creating and deleting a scratch file, or to a file in place."""
    try:
        if target.is_dir():
            descriptor, scratch = tempfile.mkstemp(dir=target, prefix=".mnist-write-check-")
            os.close(descriptor)
            os.remove(scratch)
        else:
            with open(target, "ab"):
                pass
    except OSError as error:
        raise ModelFileError(
            f"{label}: {shorten(target)} is not writable ({shorten(error.strerror or error)}); "
            "choose a folder you can write to."
        ) from None
