"""Deployment settings read from environment variables.

A teacher or a hosting service sets these once for the whole server; the
defaults suit a 2-core laptop or Streamlit Community Cloud.
"""

import os
from dataclasses import dataclass

from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError


def _read_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"Environment variable {name}={raw!r} is not a whole number; "
            f"set it to an integer >= {minimum} or unset it to use {default}."
        ) from None
    if value < minimum:
        raise ConfigError(
            f"Environment variable {name}={value} is below {minimum}; "
            f"set it to an integer >= {minimum} or unset it to use {default}."
        )
    return value


@dataclass(frozen=True)
class Settings:
    """Server-wide limits and paths.

    Attributes:
        mnist_npz: Path of a keras-layout `mnist.npz` to use instead of the
            keras download (`MNIST_NPZ`); empty means "not set".
        max_concurrent_trainings: Trainings that may run at once
            (`MNIST_MAX_TRAININGS`); more Start presses wait in a queue.
        max_epochs: Cap on epochs per run (`MNIST_MAX_EPOCHS`).
        max_hidden_units: Cap on units in any dense layer and filters in any
            conv layer (`MNIST_MAX_UNITS`).
        max_train_size: Cap on training examples per run (`MNIST_MAX_TRAIN_SIZE`).
        session_timeout_s: A job whose session has not been seen for this long
            is stopped (`MNIST_SESSION_TIMEOUT_S`).
    """

    mnist_npz: str = ""
    max_concurrent_trainings: int = 2  # One per core on a 2-core machine.
    max_epochs: int = 50
    max_hidden_units: int = 1024
    max_train_size: int = 60000
    session_timeout_s: int = 120


def load_settings() -> Settings:
    """Reads the settings from the environment, falling back to defaults.

    Raises:
        ConfigError: A variable is set to something that is not a valid number.
    """
    defaults = Settings()
    return Settings(
        mnist_npz=os.environ.get("MNIST_NPZ", "").strip(),
        max_concurrent_trainings=_read_int("MNIST_MAX_TRAININGS", defaults.max_concurrent_trainings, 1),
        max_epochs=_read_int("MNIST_MAX_EPOCHS", defaults.max_epochs, 1),
        max_hidden_units=_read_int("MNIST_MAX_UNITS", defaults.max_hidden_units, 1),
        max_train_size=_read_int("MNIST_MAX_TRAIN_SIZE", defaults.max_train_size, 10),
        session_timeout_s=_read_int("MNIST_SESSION_TIMEOUT_S", defaults.session_timeout_s, 5),
    )


def check_caps(config: TrainingConfig, settings: Settings) -> None:
    """Refuses a configuration that exceeds this server's caps.

    Raises:
        ConfigError: Naming the cap, its value and the variable that sets it.
    """
    model = config.model
    widths = list(getattr(model, "hidden_units", ())) + list(getattr(model, "dense_units", ()))
    widths += [block.filters for block in getattr(model, "conv_blocks", ())]
    checks = [
        ("epochs", config.epochs, settings.max_epochs, "MNIST_MAX_EPOCHS"),
        ("layer width", max(widths, default=0), settings.max_hidden_units, "MNIST_MAX_UNITS"),
        ("train_size", config.train_size or 60000, settings.max_train_size, "MNIST_MAX_TRAIN_SIZE"),
    ]
    for field_name, value, cap, variable in checks:
        if value > cap:
            raise ConfigError(
                f"{field_name}={value} is above this server's cap of {cap} (set by {variable}); "
                f"choose at most {cap}."
            )
