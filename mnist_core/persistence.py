"""Saving and loading models: native `.keras` files plus a small JSON sidecar.

Loading always uses Keras safe mode, so a file with a Lambda layer (which
could run arbitrary code) is refused, and checks that the model really maps a
28x28 image to ten classes.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mnist_core.architectures import IMAGE_SIZE, NUM_CLASSES
from mnist_core.config import TrainingConfig
from mnist_core.errors import ModelFileError
from mnist_core.models import inference_copy
from mnist_core.runtime import tensorflow

ACCEPTED_INPUT_SHAPES = ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1), (IMAGE_SIZE * IMAGE_SIZE,))


@dataclass
class LoadedModel:
    """A model read from disk with whatever its sidecar says about it."""

    model: Any
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
        raise ModelFileError(f"cannot save to {path}: model files must end in .keras.")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_model_file(model, path)
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


def write_model_file(model, path: Path) -> None:
    """Writes the model's architecture and weights (no optimizer state) as a `.keras` file."""
    inference_copy(model).save(path)


def load_model(path: str | os.PathLike) -> LoadedModel:
    """Loads a `.keras` MNIST classifier in safe mode, with its sidecar if any.

    Raises:
        ModelFileError: Missing, not a .keras archive, corrupt, containing a
            Lambda layer, or not a 28x28 -> 10 classifier.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"model file {path} does not exist; train one with `python -m mnist_core train`."
        )
    model = _load_keras_file(path, path.name)
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

    Raises:
        ModelFileError: As for `load_model`.
    """
    if not filename.lower().endswith(".keras"):
        raise ModelFileError(
            f"{filename} is not a .keras file; only the native Keras format is accepted "
            "(in Keras, save with model.save('name.keras'))."
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.keras"
        path.write_bytes(data)
        model = _load_keras_file(path, filename)
    return LoadedModel(model=model, info={"uploaded_as": filename})


def model_to_bytes(model) -> bytes:
    """The model as `.keras` file bytes (weights and architecture), for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        inference_copy(model).save(path)
        return path.read_bytes()


def _load_keras_file(path: Path, name: str):
    if path.suffix != ".keras":
        raise ModelFileError(
            f"{name} is not a .keras file; only the native Keras format is accepted "
            "(in Keras, save with model.save('name.keras'))."
        )
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{name} is not a valid .keras archive (corrupt or not a Keras model file).")
    with zipfile.ZipFile(path) as archive:
        if "config.json" not in archive.namelist():
            raise ModelFileError(f"{name} is a zip file but not a Keras model: it has no config.json.")
    tensorflow()
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types for bad files.
        text = str(error)
        if "Lambda" in text or "safe_mode" in text:
            raise ModelFileError(
                f"{name} contains a Lambda layer, which could run arbitrary code, so safe mode refuses it; "
                "rebuild the model from standard layers."
            ) from None
        raise ModelFileError(
            f"{name} could not be loaded as a Keras model (corrupt or incompatible): {text[:200]}"
        ) from None
    check_classifier(model, name)
    return model


def check_classifier(model, name: str = "the model") -> None:
    """Checks that the model takes one 28x28 image and outputs ten classes.

    Raises:
        ModelFileError: It does not.
    """
    try:
        input_shape = tuple(model.inputs[0].shape[1:])
        output_shape = tuple(model.outputs[0].shape[1:])
        several = len(model.inputs) != 1 or len(model.outputs) != 1
    except (AttributeError, IndexError, TypeError, ValueError):
        raise ModelFileError(f"{name} has no defined input and output; save a built model.") from None
    if several or input_shape not in ACCEPTED_INPUT_SHAPES or output_shape != (NUM_CLASSES,):
        raise ModelFileError(
            f"{name} maps {input_shape} to {output_shape}; an MNIST classifier here must map a "
            "28x28 (or 28x28x1, or 784) image to 10 classes."
        )
