"""The JSON sidecar beside a model file: how it was made and how well it does.

`models/cnn.keras` has `models/cnn.keras.json`: the model file's whole name
plus `.json`, which cannot be another program's file (a `package.json` beside
`package.keras`) by accident. A sidecar is only ever overwritten when it is
one of ours, and reading one never raises: whatever is wrong with it becomes
a `"warning"` in the info and the fields that cannot be trusted are dropped.
"""

from __future__ import annotations

import json
import math
import os
from numbers import Real
from pathlib import Path

from mnist_core.config import config_from_dict
from mnist_core.errors import ModelFileError, shorten
from mnist_core.files import read_regular_file

SIDECAR_FORMAT = "mnist-playground-model/1"
FORMAT_PREFIX = "mnist-playground-model/"
# Ours are about 1 KB; a megabyte is plenty for any configuration.
MAX_SIDECAR_BYTES = 1 << 20


def sidecar_path(path: str | os.PathLike) -> Path:
    """`models/cnn.keras` -> `models/cnn.keras.json`."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def legacy_sidecar_path(path: str | os.PathLike) -> Path:
    """`models/cnn.keras` -> `models/cnn.json`, where sidecars used to be."""
    return Path(path).with_suffix(".json")


def is_our_sidecar(path: str | os.PathLike) -> bool:
    """Whether `path` is a JSON object this app wrote (its "format" says so)."""
    info, problem = _read_object(Path(path), "")
    return not problem and _is_ours(info)


def write_sidecar(model_path: str | os.PathLike, info: dict) -> Path:
    """Writes `info` as the sidecar of `model_path`; returns the sidecar's path.

    Raises:
        ModelFileError: A file that is not one of our sidecars is in the way.
    """
    sidecar = sidecar_path(model_path)
    if sidecar.exists() and not is_our_sidecar(sidecar):
        raise ModelFileError(
            f"{shorten(sidecar)} exists and is not a model sidecar of this app, so it is not overwritten; "
            "move it away or save the model under another name."
        )
    sidecar.write_text(json.dumps(info, indent=2) + "\n")
    return sidecar


def read_sidecar(model_path: str | os.PathLike) -> dict:
    """What the sidecar of `model_path` says, checked; {} when there is none.

    Falls back to a legacy `NAME.json` only when its "format" says it is
    ours. Never raises: an unreadable, oversized or malformed sidecar gives
    `{"warning": "..."}`, and fields of the wrong type or range are dropped
    with a warning naming them.
    """
    sidecar = sidecar_path(model_path)
    if not os.path.lexists(sidecar):
        legacy = legacy_sidecar_path(model_path)
        if not legacy.is_file() or not is_our_sidecar(legacy):
            return {}
        sidecar = legacy
    name = shorten(sidecar.name)
    info, problem = _read_object(sidecar, f"sidecar {name}")
    if problem:
        return {"warning": problem}
    if not _is_ours(info):
        return {
            "warning": f'sidecar {name} is not a sidecar of this app (its "format" is '
            f"'{shorten(info.get('format'))}', expected '{SIDECAR_FORMAT}'); showing the model without it."
        }
    problems = []
    for key, (check, expected) in _FIELDS.items():
        value = info.get(key)
        if value is not None and not check(value):
            problems.append(f"{key} {_quote(value)} is not {expected}")
            del info[key]
    if problems:
        info["warning"] = f"sidecar {name}: {'; '.join(problems)}; those fields are ignored."
    return info


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def accuracy_or_none(value: object) -> float | None:
    """`value` as an accuracy if it is a finite number from 0 to 1 (not a bool), else None."""
    if not isinstance(value, Real) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0.0 <= number <= 1.0 else None


def _is_accuracy(value: object) -> bool:
    return accuracy_or_none(value) is not None


def _is_config(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    try:
        config_from_dict(value)
    except Exception:  # noqa: BLE001 - config_from_dict meets whatever JSON a sidecar holds.
        return False
    return True


# The fields this app writes and reads: name -> (check, what the value must be).
_FIELDS = {
    "created": (_is_text, "a date string"),
    "kind": (lambda value: value in ("mlp", "cnn"), "'mlp' or 'cnn'"),
    "config": (_is_config, "a valid training configuration"),
    "params": (_is_count, "a count"),
    "data_source": (_is_text, "a string"),
    "test_accuracy": (_is_accuracy, "a number from 0 to 1"),
}


def _is_ours(info: dict) -> bool:
    return isinstance(info.get("format"), str) and info["format"].startswith(FORMAT_PREFIX)


def _read_object(path: Path, label: str) -> tuple[dict, str]:
    """The JSON object in `path`, or ({}, one sentence saying what is wrong with it)."""
    without = "showing the model without it"
    try:
        data = read_regular_file(
            path, max_bytes=MAX_SIDECAR_BYTES, error=ModelFileError, label=label, fix=without
        )
    except ModelFileError as error:
        return {}, str(error)
    try:
        info = json.loads(data)
    except (ValueError, RecursionError):  # Not JSON, not UTF-8, or nested too deep to parse.
        return {}, f"{label} is unreadable (not valid JSON, or nested too deep); {without}."
    if not isinstance(info, dict):
        return {}, f"{label} holds a JSON {_JSON_TYPES.get(type(info), 'value')}, not an object; {without}."
    return info, ""


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _quote(value: object) -> str:
    """A JSON value, quoted and shortened for a message."""
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):
        text = _JSON_TYPES.get(type(value), "object")
    return f"'{shorten(text, 40)}'"
