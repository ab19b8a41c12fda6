"""Training configurations as URL query parameters, for links a teacher hands out.

`?preset=seed-cnn-dropout&epochs=2` starts from a preset and changes one
field; any field of the configuration can be set this way. Values that are
unknown or out of range are skipped with a notice, never an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from mnist_core.config import CNNConfig, MLPConfig, TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.presets import PRESETS

TRAINING_FIELDS = {
    "epochs": int,
    "batch_size": int,
    "learning_rate": float,
    "optimizer": str,
    "lr_schedule": str,
    "seed": int,
    "validation_size": int,
    "train_size": int,
    "augment": bool,
    "early_stopping_patience": int,
    "target_val_accuracy": float,
}
MLP_FIELDS = {"hidden_units": tuple, "activation": str, "dropout_rate": float}
CNN_FIELDS = {
    "filters": tuple,
    "kernel_size": int,
    "strides": int,
    "pooling": bool,
    "batch_norm": bool,
    "activation": str,
    "conv_dropout_rate": float,
    "dense_units": tuple,
    "dense_dropout_rate": float,
}
BLOCK_FIELDS = ("filters", "kernel_size", "strides", "pooling")


def config_from_query(params: Mapping[str, str]) -> tuple[TrainingConfig, str | None, list[str]]:
    """Reads a configuration from query parameters.

    Returns:
        (config, preset name or None, notices about ignored parameters).
    """
    notices: list[str] = []
    preset_name = params.get("preset")
    config = TrainingConfig()
    if preset_name is not None:
        if preset_name in PRESETS:
            config = PRESETS[preset_name].config
        else:
            notices.append(f"Ignored preset={preset_name!r}: choose one of {', '.join(PRESETS)}.")
            preset_name = None
    kind = params.get("model")
    if kind is not None and kind != config.model.kind:
        if kind in ("mlp", "cnn"):
            config = config.replace(model=MLPConfig() if kind == "mlp" else CNNConfig())
        else:
            notices.append(f"Ignored model={kind!r}: choose mlp or cnn.")
    model_fields = MLP_FIELDS if config.model.kind == "mlp" else CNN_FIELDS
    for key, raw in params.items():
        if key in ("preset", "model"):
            continue
        if key not in TRAINING_FIELDS and key not in model_fields:
            notices.append(f"Ignored {key}={raw!r}: not a setting of a {config.model.kind.upper()}.")
            continue
        try:
            if key in TRAINING_FIELDS:
                config = config.replace(**{key: _parse(raw, TRAINING_FIELDS[key])})
            else:
                value = _parse_model(raw, key, model_fields[key])
                config = config.replace(model=_change_model(config.model, key, value))
        except (ConfigError, ValueError) as error:
            notices.append(f"Ignored {key}={raw!r}: {error}")
    return config, preset_name, notices


def query_from_config(config: TrainingConfig, preset_name: str | None = None) -> dict[str, str]:
    """Query parameters that `config_from_query` turns back into `config`.

    With a preset, only the fields that differ from it are listed.
    """
    base = PRESETS[preset_name].config if preset_name in PRESETS else None
    params: dict[str, str] = {}
    if base is not None:
        params["preset"] = preset_name
    else:
        base = TrainingConfig()
    if config.model.kind != base.model.kind:
        params["model"] = config.model.kind
        base = base.replace(model=type(config.model)())
    for key in TRAINING_FIELDS:
        value = getattr(config, key)
        if value != getattr(base, key) and value is not None:
            params[key] = _format(value)
    model_fields = MLP_FIELDS if config.model.kind == "mlp" else CNN_FIELDS
    for key in model_fields:
        value, base_value = _model_value(config.model, key), _model_value(base.model, key)
        if value != base_value:
            params[key] = _format(value)
    return params


def _parse(raw: str, kind: type):
    text = str(raw).strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("use true or false.")
    if kind is tuple:
        try:
            return tuple(int(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise ValueError("use comma-separated whole numbers, e.g. 128,64.") from None
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"not a valid {kind.__name__}.") from None


def _parse_model(raw: str, key: str, kind: type):
    # Blocks with different kernel sizes, strides or pooling are written one value per block.
    if key in BLOCK_FIELDS and kind is not tuple and "," in str(raw):
        return tuple(_parse(part, kind) for part in str(raw).split(","))
    return _parse(raw, kind)


def _format(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _model_value(model, key: str):
    if key in BLOCK_FIELDS:
        values = tuple(getattr(block, key) for block in model.conv_blocks)
        return values if key == "filters" or len(set(values)) > 1 else values[0]
    return getattr(model, key)


def _change_model(model, key: str, value):
    if key not in BLOCK_FIELDS:
        return dataclasses.replace(model, **{key: value})
    blocks = model.conv_blocks
    if key == "filters":
        template = blocks[-1]
        return dataclasses.replace(
            model, conv_blocks=tuple(dataclasses.replace(template, filters=filters) for filters in value)
        )
    values = value if isinstance(value, tuple) else (value,) * len(blocks)
    if len(values) != len(blocks):
        raise ValueError(f"give one value, or one per conv block ({len(blocks)}).")
    return dataclasses.replace(
        model,
        conv_blocks=tuple(
            dataclasses.replace(block, **{key: item}) for block, item in zip(blocks, values, strict=True)
        ),
    )
