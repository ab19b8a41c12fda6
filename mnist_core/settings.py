"""Deployment settings read from environment variables, and the caps they put on a run.

A teacher or a hosting service sets these once for the whole server (on
Streamlit Community Cloud, as top-level secrets, which it exports as
environment variables); the defaults suit a 2-core laptop or Community Cloud
(about 2.7 GB of memory). Each setting's variable, default, minimum and help
text sit beside it, and `load_settings` and the README's table follow them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnist_core.architectures import CNNConfig, MLPConfig
from mnist_core.config import MNIST_TRAIN_SIZE, TrainingConfig
from mnist_core.errors import ConfigError, quoted
from mnist_core.sizing import (
    count_params,
    estimate_run_seconds,
    format_bytes,
    format_seconds,
    split_sizes,
    training_memory_bytes,
)
from mnist_core.store.classes import ClassLimits
from mnist_core.store.workspaces import StoreLimits


def setting(default: Any, variable: str, help: str, minimum: int | None = None) -> Any:
    """A settings field read from environment variable `variable`."""
    return dataclasses.field(
        default=default, metadata={"variable": variable, "help": help, "minimum": minimum}
    )


@dataclass(frozen=True)
class Settings:
    """Server-wide limits and paths (see the README's table of environment variables)."""

    mnist_npz: str = setting(
        "", "MNIST_NPZ", "A keras-layout mnist.npz to use instead of keras's download (empty: not set)."
    )
    max_concurrent_trainings: int = setting(
        2, "MNIST_MAX_TRAININGS", "Trainings that run at once (one per core); more wait in a queue.", 1
    )
    max_epochs: int = setting(50, "MNIST_MAX_EPOCHS", "Most epochs per run.", 1)
    max_units: int = setting(1024, "MNIST_MAX_UNITS", "Most units in any dense layer.", 1)
    max_filters: int = setting(512, "MNIST_MAX_FILTERS", "Most filters in any convolution.", 1)
    max_train_size: int = setting(
        MNIST_TRAIN_SIZE, "MNIST_MAX_TRAIN_SIZE", "Most training examples per run.", 10
    )
    max_params: int = setting(5_000_000, "MNIST_MAX_PARAMS", "Most parameters in a model.", 1000)
    max_training_mb: int = setting(
        1024,
        "MNIST_MAX_TRAINING_MB",
        "Most memory a training step may need (weights, optimizer, activations of a batch), in MB.",
        16,
    )
    max_run_minutes: int = setting(
        30, "MNIST_MAX_RUN_MINUTES", "Longest estimated run on a 2-core CPU, in minutes.", 1
    )
    workspace_dir: str = setting(
        "",
        "MNIST_WORKSPACE_DIR",
        "Where workspaces (models, drawings, forms) are kept; default ~/.local/share/mnist-playground.",
    )
    max_models: int = setting(20, "MNIST_MAX_MODELS", "Most models one workspace keeps.", 1)
    max_workspace_mb: int = setting(
        200, "MNIST_MAX_WORKSPACE_MB", "Most megabytes of models per workspace.", 1
    )
    workspace_days: int = setting(
        30, "MNIST_WORKSPACE_DAYS", "A workspace unused this many days is deleted.", 1
    )
    max_workspaces: int = setting(
        1000, "MNIST_MAX_WORKSPACES", "Most workspaces kept; the least recently used idle one makes room.", 1
    )
    max_drawings: int = setting(500, "MNIST_MAX_DRAWINGS", "Most drawings one workspace keeps.", 1)
    max_class_drawings: int = setting(3000, "MNIST_MAX_CLASS_DRAWINGS", "Most drawings in one class set.", 1)
    session_timeout_s: int = setting(
        120,
        "MNIST_SESSION_TIMEOUT_S",
        "A run that no open page shows for this long is stopped (seconds).",
        5,
    )


SETTING_FIELDS = dataclasses.fields(Settings)


def workspace_root(settings: Settings) -> Path:
    """The folder the workspace store lives in: MNIST_WORKSPACE_DIR, else the user's data folder."""
    if settings.workspace_dir:
        return Path(settings.workspace_dir).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share"
    return Path(data_home) / "mnist-playground"


def store_limits(settings: Settings) -> StoreLimits:
    """The per-workspace caps the settings ask for."""
    return StoreLimits(
        max_models=settings.max_models,
        max_bytes=settings.max_workspace_mb * 1_000_000,
        expiry_days=settings.workspace_days,
        max_workspaces=settings.max_workspaces,
        max_drawings=settings.max_drawings,
    )


def class_limits(settings: Settings) -> ClassLimits:
    """The caps of a class set the settings ask for."""
    return ClassLimits(max_drawings=settings.max_class_drawings)


def load_settings() -> Settings:
    """Reads the settings from the environment, falling back to defaults.

    Raises:
        ConfigError: A variable is set to something that is not a valid number.
    """
    values: dict[str, Any] = {}
    for item in SETTING_FIELDS:
        raw = os.environ.get(item.metadata["variable"], "").strip()
        if raw:
            values[item.name] = raw if item.type in (str, "str") else _whole(item, raw)
    return Settings(**values)


def _whole(item: dataclasses.Field, raw: str) -> int:
    variable, minimum, default = item.metadata["variable"], item.metadata["minimum"], item.default
    fix = f"set it to an integer >= {minimum} or unset it to use {default}"
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"Environment variable {variable}={quoted(raw)} is not a whole number; {fix}."
        ) from None
    if value < minimum:
        raise ConfigError(f"Environment variable {variable}={value} is below {minimum}; {fix}.")
    return value


def check_caps(config: TrainingConfig, settings: Settings, total: int = MNIST_TRAIN_SIZE) -> None:
    """Refuses a configuration that exceeds this server's caps: the one place caps are checked.

    Args:
        config: The run.
        settings: The server's caps.
        total: Training examples available before the validation split.

    Raises:
        ConfigError: Naming the cap, its value and the variable that sets it.
    """
    model = config.model
    units = list(model.hidden_units) if isinstance(model, MLPConfig) else list(model.dense_units)
    filters = [block.filters for block in model.conv_blocks] if isinstance(model, CNNConfig) else []
    train_examples, validation = split_sizes(config, total)
    run_seconds = estimate_run_seconds(config, train_examples, validation)
    checks: list[tuple[str, float, float, str, Callable[[Any], str]]] = [
        ("epochs", config.epochs, settings.max_epochs, "MNIST_MAX_EPOCHS", str),
        ("units in a dense layer", max(units, default=0), settings.max_units, "MNIST_MAX_UNITS", str),
        ("filters in a convolution", max(filters, default=0), settings.max_filters, "MNIST_MAX_FILTERS", str),
        ("train_size", config.train_size or total, settings.max_train_size, "MNIST_MAX_TRAIN_SIZE", str),
        ("parameters", count_params(model), settings.max_params, "MNIST_MAX_PARAMS", "{:,}".format),
        (
            "memory per training step (est.)",
            training_memory_bytes(config),
            settings.max_training_mb * 1e6,
            "MNIST_MAX_TRAINING_MB",
            format_bytes,
        ),
        (
            "run time (est.)",
            run_seconds,
            settings.max_run_minutes * 60,
            "MNIST_MAX_RUN_MINUTES",
            format_seconds,
        ),
    ]
    for what, value, cap, variable, shown in checks:
        if value > cap:
            raise ConfigError(
                f"{what}={shown(value)} is above this server's cap of {shown(cap)} (set by {variable}); "
                f"{_advice(what)}"
            )


def _advice(what: str) -> str:
    if what in ("parameters", "memory per training step (est.)"):
        return "use fewer or smaller layers, add pooling or strides, or a smaller batch."
    if what == "run time (est.)":
        return "train fewer epochs, on fewer examples, or a smaller network."
    return "choose a smaller value."
