"""Saving and loading models: native `.keras` files plus a small JSON sidecar.

Loading checks the file before Keras opens it and uses Keras safe mode (see
`safe_loading`), so a decompression bomb or a file with a Lambda layer (which
could run arbitrary code) is refused, and the model must really map a 28x28
image to ten finite probabilities.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

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

__all__ = [
    "ACCEPTED_INPUT_SHAPES",
    "LoadedModel",
    "check_classifier",
    "load_model",
    "load_model_bytes",
    "model_to_bytes",
    "save_model",
    "sidecar_path",
]


@dataclass
class LoadedModel:
    """A model read from disk with whatever its sidecar says about it."""

    model: object
    info: dict = field(default_factory=dict)
    path: Path | None = None


def sidecar_path(path: str | os.PathLike) -> Path:
    """`models/cnn.keras` -> `models/cnn.json`."""
    return Path(path).with_suffix(".json")


def save_model(
    model,
    path: str | os.PathLike,
    *,
    config: TrainingConfig | None = None,
    data_source: str = "",
    test_accuracy: float | None = None,
    extra: dict | None = None,
) -> Path:
    """Writes `path` (.keras) and its JSON sidecar; returns the model path.

    Raises:
        ModelFileError: The path does not end in .keras.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"cannot save to {shorten(path)}: model files must end in .keras.")
    path.parent.mkdir(parents=True, exist_ok=True)
    inference_copy(model).save(path)
    info = {
        "format": "mnist-playground-model/1",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": config.model.kind if config else None,
        "config": config.to_dict() if config else None,
        "params": int(model.count_params()),
        "data_source": data_source,
        "test_accuracy": test_accuracy,
        **(extra or {}),
    }
    sidecar_path(path).write_text(json.dumps(info, indent=2) + "\n")
    return path


def load_model(path: str | os.PathLike) -> LoadedModel:
    """Loads a `.keras` MNIST classifier in safe mode, with its sidecar if any.

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
    info = {}
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        try:
            info = json.loads(sidecar.read_text())
        except (OSError, json.JSONDecodeError):
            info = {"warning": f"sidecar {sidecar.name} is unreadable; showing the model without it."}
    return LoadedModel(model=model, info=info, path=path)


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
