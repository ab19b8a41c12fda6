"""Training configurations as URL query parameters, for links a teacher hands out.

`?preset=seed-cnn-dropout&epochs=2` starts from a preset and changes one
field; every field of the table (`overrides.surface_fields`) can be set this
way, except the few the command line alone offers. Values that are unknown or
out of range are skipped with a notice, never an error; a notice quotes the
value shortened, and the page shows it as plain text.
"""

from __future__ import annotations

from collections.abc import Mapping

from mnist_core.config import TrainingConfig
from mnist_core.errors import ConfigError, quoted, shorten
from mnist_core.fields import format_text
from mnist_core.overrides import base_config, changed_fields, command_line_fields, preset_for, with_fields
from mnist_core.presets import PRESETS

# Parameters that choose where a configuration starts, not fields of it.
START_PARAMS = ("preset", "model")


def config_from_query(params: Mapping[str, str]) -> tuple[TrainingConfig, str | None, list[str]]:
    """Reads a configuration from query parameters (other than the app's own, which the caller drops).

    Returns:
        (config, preset name or None, notices about ignored parameters).
    """
    notices: list[str] = []
    preset = params.get("preset")
    if preset is not None and preset not in PRESETS:
        notices.append(f"Ignored preset={quoted(preset)}: choose one of {', '.join(PRESETS)}.")
        preset = None
    kind = params.get("model")
    try:
        config = base_config(preset, kind)
    except ConfigError:
        notices.append(f"Ignored model={quoted(kind)}: choose mlp or cnn.")
        config = base_config(preset)
    for name, raw in params.items():
        if name in START_PARAMS:
            continue
        if name in command_line_fields() and command_line_fields()[name].command_line_only:
            command = "python -m mnist_core train --" + name.replace("_", "-")
            notices.append(
                f"Ignored {name}={quoted(raw, 40)}: it is offered on the command line only ({command})."
            )
            continue
        try:
            config = with_fields(config, {name: raw})
        except ConfigError as error:
            notices.append(f"Ignored {shorten(name, 30)}={quoted(raw, 40)}: {error}")
    return config, preset, notices


def query_from_config(config: TrainingConfig, preset: str | None = None) -> dict[str, str]:
    """Query parameters that `config_from_query` turns back into `config`.

    With a preset that builds the same kind of model, only the fields that differ from it are listed.
    """
    preset = preset_for(config, preset)
    params: dict[str, str] = {}
    if preset is not None:
        params["preset"] = preset
    elif config.model.kind != TrainingConfig().model.kind:
        params["model"] = config.model.kind
    for name, value in changed_fields(config, preset).items():
        params[name] = format_text(value)
    return params
