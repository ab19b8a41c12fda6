"""The models a user can pick from: shipped defaults, their runs, their uploads."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mnist_core.config import TrainingConfig, config_from_dict
from mnist_core.persistence import LoadedModel
from mnist_core.progress import JobProgress
from mnist_core.sidecars import accuracy_or_none
from mnist_core.sizing import describe_model
from mnist_core.training import TrainingResult


@dataclass
class ModelEntry:
    """One usable model with what is known about it.

    Attributes:
        name: Unique, human-readable name ("Default CNN", "Run 2 · fast-cnn").
        model: The Keras model (used read-only once in the catalog).
        origin: "default", "trained" or "uploaded".
        description: One line about the architecture.
        config: The training configuration, when known.
        test_accuracy: Accuracy on the test split, when known.
        progress: The training run's final progress (curves), for trained models.
        created: Unix time the entry was made.
    """

    name: str
    model: Any
    origin: str
    description: str
    config: TrainingConfig | None = None
    test_accuracy: float | None = None
    progress: JobProgress | None = field(default=None, repr=False)
    created: float = field(default_factory=time.time)


def entry_from_result(result: TrainingResult, name: str) -> ModelEntry:
    """A catalog entry for a finished training run."""
    return ModelEntry(
        name=name,
        model=result.model,
        origin="trained",
        description=describe_model(result.config.model),
        config=result.config,
        test_accuracy=result.test_accuracy,
        progress=result.progress,
    )


def entry_from_loaded(loaded: LoadedModel, name: str, origin: str) -> ModelEntry:
    """A catalog entry for a model read from a file (shipped or uploaded).

    Whatever the info holds (`load_model` checks sidecars, but a LoadedModel
    can be made by hand), a config or accuracy that cannot be used is ignored.
    """
    info = loaded.info if isinstance(loaded.info, dict) else {}
    config = _config_or_none(info.get("config"))
    if config is not None:
        description = describe_model(config.model)
    else:
        description = f"{len(loaded.model.layers)} layers · {loaded.model.count_params():,} parameters"
    return ModelEntry(
        name=name,
        model=loaded.model,
        origin=origin,
        description=description,
        config=config,
        test_accuracy=accuracy_or_none(info.get("test_accuracy")),
    )


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
