"""Changing a training configuration's fields by name: what the command line, links and form share.

A surface (the `train` command, a teacher's link, the Train form) starts from
a preset or a model kind (`base_config`) and changes fields by their table
names (`with_fields`), each value given as text ("128,64", "true", "0.003") or
already typed. `field_value` reads a field back; `fields.format_text` writes
it as text. So every surface offers the same fields with the same bounds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mnist_core.architectures import CNNConfig, ConvBlock, MLPConfig
from mnist_core.config import MODEL_KINDS, TrainingConfig
from mnist_core.errors import ConfigError, quoted
from mnist_core.fields import FieldSpec, check, parse, specs_of
from mnist_core.presets import PRESETS, get_preset

TRAINING_FIELDS = specs_of(TrainingConfig)
BLOCK_FIELDS = specs_of(ConvBlock)
MODEL_FIELDS = {"mlp": specs_of(MLPConfig), "cnn": specs_of(CNNConfig)}
KIND_NAMES = {"mlp": "an MLP", "cnn": "a CNN"}


def surface_fields(kind: str, command_line: bool = False) -> dict[str, FieldSpec]:
    """Every field a surface offers for a model kind, by name.

    The teacher links and the Train form offer all but the command-line-only
    fields; the command line (`command_line=True`) offers those too. For a CNN
    the conv blocks' fields come last: `filters` lists one value per block (and
    so sets how many there are); `kernel_size`, `strides` and `pooling` take
    one value for every block or one per block.
    """
    blocks = BLOCK_FIELDS if kind == "cnn" else {}
    fields = {**TRAINING_FIELDS, **MODEL_FIELDS[kind], **blocks}
    return {name: item for name, item in fields.items() if command_line or not item.command_line_only}


def command_line_fields() -> dict[str, FieldSpec]:
    """The fields of both model kinds, command-line-only ones included: the `train` command's options."""
    return {**surface_fields("mlp", command_line=True), **surface_fields("cnn", command_line=True)}


def base_config(preset: str | None = None, kind: str | None = None) -> TrainingConfig:
    """The configuration a surface starts from: a preset, switched to `kind` if that differs.

    Raises:
        ConfigError: An unknown preset or model kind.
    """
    config = get_preset(preset).config if preset is not None else TrainingConfig()
    if kind is not None and kind != config.model.kind:
        if kind not in MODEL_KINDS:
            raise ConfigError(f"model={quoted(kind)} is not supported; choose mlp or cnn.")
        config = config.replace(model=MLPConfig() if kind == "mlp" else CNNConfig())
    return config


def with_fields(config: TrainingConfig, values: Mapping[str, Any]) -> TrainingConfig:
    """`config` with fields changed by name; values are text or typed.

    Raises:
        ConfigError: A name that is not a setting of this model kind, or a bad value (naming it).
    """
    kind = config.model.kind
    training, model, blocks = {}, {}, {}
    for name, raw in values.items():
        if name in TRAINING_FIELDS:
            training[name] = parse(TRAINING_FIELDS[name], raw)
        elif name in MODEL_FIELDS[kind]:
            model[name] = parse(MODEL_FIELDS[kind][name], raw)
        elif kind == "cnn" and name in BLOCK_FIELDS:
            blocks[name] = _block_values(BLOCK_FIELDS[name], raw)
        else:
            raise ConfigError(f"{quoted(name)} is not a setting of {KIND_NAMES[kind]}.")
    new_model = dataclasses.replace(config.model, **model)
    if isinstance(new_model, CNNConfig) and blocks:
        new_model = dataclasses.replace(new_model, conv_blocks=_change_blocks(new_model.conv_blocks, blocks))
    return dataclasses.replace(config, model=new_model, **training)


def field_value(config: TrainingConfig, name: str) -> Any:
    """A surface field's value; a block field gives one value per block (one for all if equal)."""
    if name in TRAINING_FIELDS:
        return getattr(config, name)
    if name in BLOCK_FIELDS:
        values = tuple(getattr(block, name) for block in getattr(config.model, "conv_blocks", ()))
        return values if name == "filters" or len(set(values)) > 1 else values[0]
    return getattr(config.model, name)


def preset_for(config: TrainingConfig, preset: str | None) -> str | None:
    """`preset` if it exists and builds the same kind of model as `config`, else None."""
    if preset in PRESETS and PRESETS[preset].config.model.kind == config.model.kind:
        return preset
    return None


def changed_fields(config: TrainingConfig, preset: str | None = None) -> dict[str, Any]:
    """The surface fields whose values differ from the preset's (or the model kind's defaults)."""
    base = base_config(preset_for(config, preset), config.model.kind)
    return {
        name: field_value(config, name)
        for name in surface_fields(config.model.kind)
        if field_value(config, name) != field_value(base, name)
    }


def _block_values(field_spec: FieldSpec, raw: Any) -> tuple:
    """One value per block (or one for all) of a block field, each checked against the field's range."""
    if isinstance(raw, str):
        parts: list[Any] = raw.split(",")
    else:
        parts = list(raw) if isinstance(raw, (tuple, list)) else [raw]
    if not parts or (len(parts) == 1 and isinstance(parts[0], str) and not parts[0].strip()):
        raise ConfigError(f"{field_spec.name} is empty; give one value, or one per conv block.")
    values = tuple(parse(field_spec, part) for part in parts)
    for value in values:
        check(field_spec, value)
    return values


def _change_blocks(blocks: tuple[ConvBlock, ...], changes: dict[str, tuple]) -> tuple[ConvBlock, ...]:
    if "filters" in changes:
        template = blocks[-1]
        blocks = tuple(dataclasses.replace(template, filters=count) for count in changes["filters"])
    for name, values in changes.items():
        if name == "filters":
            continue
        if len(values) not in (1, len(blocks)):
            raise ConfigError(
                f"{name}={quoted(','.join(map(str, values)))}: give one value, or one per conv block "
                f"({len(blocks)})."
            )
        spread = values * len(blocks) if len(values) == 1 else values
        blocks = tuple(
            dataclasses.replace(block, **{name: value}) for block, value in zip(blocks, spread, strict=True)
        )
    return blocks
