"""The models a user can pick from: shipped defaults, their runs, their uploads.

A `ModelEntry` says what is known about a model (name, origin, architecture,
scores, training history) as plain data, and loads the Keras model itself
only when it is used: a workspace's models live in the store, not in memory.
What is known about a model travels as an `info` dict (JSON-ready) between
the training run or the uploaded file, the store, and the entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mnist_core.config import TrainingConfig, config_from_dict
from mnist_core.persistence import LoadedModel
from mnist_core.sidecars import accuracy_or_none
from mnist_core.sizing import describe_model
from mnist_core.training import TrainingResult

ORIGIN_LABELS = {"default": "shipped default", "trained": "trained here", "uploaded": "uploaded"}


@dataclass
class ModelEntry:
    """One usable model with what is known about it.

    Attributes:
        name: Unique, human-readable name ("Default CNN", "Run 2 · fast-cnn").
        origin: "default", "trained" or "uploaded".
        description: One line about the architecture.
        key: Unique across every list: "default:cnn.keras", or the store's model id.
        loader: Returns the Keras model (from memory or the store); see `model`.
        config: The training configuration, when known.
        test_accuracy: Accuracy on the test split, when known.
        history: The training run's per-epoch rows (loss, val_accuracy...), for trained models.
        created: Unix time the model was made.
        in_store: Whether `key` is a model of the workspace store (else the model is only in memory).
    """

    name: str
    origin: str
    description: str
    key: str
    loader: Callable[[], Any] = field(repr=False, compare=False)
    config: TrainingConfig | None = None
    test_accuracy: float | None = None
    history: list[dict] = field(default_factory=list, repr=False)
    created: float = field(default_factory=time.time)
    in_store: bool = False

    @property
    def model(self) -> Any:
        """The Keras model (used read-only)."""
        return self.loader()


def info_from_result(result: TrainingResult) -> dict[str, Any]:
    """What a finished run knows about its model, as JSON-ready data."""
    history = [
        {key: value for key, value in row.items() if key != "ended_at"}
        for row in result.progress.epochs_history
    ]
    return {
        "description": describe_model(result.config.model),
        "config": result.config.to_dict(),
        "test_accuracy": result.test_accuracy,
        "history": history,
        "seconds": round(result.seconds, 2),
        "stop_reason": result.stop_reason,
    }


def info_from_loaded(loaded: LoadedModel) -> dict[str, Any]:
    """What a model file (shipped or uploaded) says about itself, as JSON-ready data.

    Whatever the info holds (`load_model` checks sidecars, but a LoadedModel
    can be made by hand), a config or accuracy that cannot be used is dropped.
    """
    info = loaded.info if isinstance(loaded.info, dict) else {}
    config = _config_or_none(info.get("config"))
    if config is not None:
        description = describe_model(config.model)
    else:
        description = f"{len(loaded.model.layers)} layers · {loaded.model.count_params():,} parameters"
    return {
        "description": description,
        "config": config.to_dict() if config is not None else None,
        "test_accuracy": accuracy_or_none(info.get("test_accuracy")),
        "history": [],
    }


def entry_from_info(
    name: str,
    origin: str,
    info: dict[str, Any],
    key: str,
    loader: Callable[[], Any],
    *,
    created: float | None = None,
    in_store: bool = False,
) -> ModelEntry:
    """A catalog entry from what is known about a model (an `info_from_*` dict, or the store's)."""
    history = info.get("history")
    return ModelEntry(
        name=name,
        origin=origin,
        description=str(info.get("description", "")),
        key=key,
        loader=loader,
        config=_config_or_none(info.get("config")),
        test_accuracy=accuracy_or_none(info.get("test_accuracy")),
        history=[row for row in history if isinstance(row, dict)] if isinstance(history, list) else [],
        created=created if created is not None else time.time(),
        in_store=in_store,
    )


def entry_from_loaded(loaded: LoadedModel, name: str, origin: str, key: str | None = None) -> ModelEntry:
    """A catalog entry for a model read from a file, kept in memory (the shipped defaults)."""
    model = loaded.model
    return entry_from_info(name, origin, info_from_loaded(loaded), key or f"{origin}:{name}", lambda: model)


def _config_or_none(data: object) -> TrainingConfig | None:
    if not isinstance(data, dict) or not data:
        return None
    try:
        return config_from_dict(data)
    except Exception:  # noqa: BLE001 - a hand-edited config can make config_from_dict raise anything.
        return None


def unique_name(base: str, taken: list[str] | set[str]) -> str:
    """`base`, or `base (2)`, `base (3)`... whichever is not taken yet."""
    taken = set(taken)
    if base not in taken:
        return base
    number = 2
    while f"{base} ({number})" in taken:
        number += 1
    return f"{base} ({number})"
