"""The machinery of the one table of training fields: a `FieldSpec` per field, one parser.

Every field of the training configuration carries a `FieldSpec` in its
dataclass metadata (see `config.py`): its label, help text, kind and limits.
Everything else is derived from that table: validation in `__post_init__`, the
command line's options, the teacher links' parameters and the Train form's
widgets. Values arrive as text (a URL, a command line, a text box) or already
typed (a number box); `parse` reads both the same way, and `format_text`
writes what `parse` reads back.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from mnist_core.errors import ConfigError, quoted

SPEC_KEY = "spec"
KINDS = ("int", "float", "bool", "choice", "sizes")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# How an optional field is switched off in text: `--early-stopping-patience none`.
NONE_WORD = "none"


@dataclass(frozen=True)
class FieldSpec:
    """What one configuration field is and which values it takes.

    Attributes:
        label: The form's label, e.g. "Learning rate".
        help: One sentence for a tooltip, `--help` and the README.
        kind: "int", "float", "bool", "choice" or "sizes" (whole numbers, e.g. layer widths).
        minimum: Smallest value (for "sizes": of each entry).
        maximum: Largest value (for "sizes": of each entry).
        low_open: The minimum itself is excluded (a learning rate must be above 0).
        choices: The valid values of a "choice" field.
        optional: None is a valid value (the feature is off, or a default applies).
        max_count: "sizes": most entries.
        count_label: "sizes": how messages name the number of entries.
        step: The form's step for number boxes.
        command_line_only: Offered by the command line only, not by links or the Train form
            (it needs a development dependency or minutes of preparation).
        name: The dataclass field's name; filled in by `specs_of`.
    """

    label: str
    help: str
    kind: str
    minimum: float | None = None
    maximum: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False
    max_count: int = 0
    count_label: str = ""
    step: float | None = None
    command_line_only: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"FieldSpec kind={self.kind!r} is unknown; choose one of {', '.join(KINDS)}.")


def spec(default: Any, **attributes: Any) -> Any:
    """A dataclass field with `default` whose metadata holds `FieldSpec(**attributes)`."""
    return dataclasses.field(default=default, metadata={SPEC_KEY: FieldSpec(**attributes)})


_SPECS: dict[type, dict[str, FieldSpec]] = {}


def specs_of(cls: type) -> dict[str, FieldSpec]:
    """The specs of a dataclass's table fields, by field name, in declaration order (do not modify)."""
    if cls not in _SPECS:
        _SPECS[cls] = {
            item.name: dataclasses.replace(item.metadata[SPEC_KEY], name=item.name)
            for item in dataclasses.fields(cls)
            if SPEC_KEY in item.metadata
        }
    return _SPECS[cls]


def validate(instance: Any) -> None:
    """Checks every table field of a dataclass instance (called from `__post_init__`).

    Sizes given as lists become tuples, so configurations read from JSON compare equal.

    Raises:
        ConfigError: Naming the field, the value and the valid values.
    """
    for name, field_spec in specs_of(type(instance)).items():
        value = getattr(instance, name)
        if field_spec.kind == "sizes" and isinstance(value, list):
            value = tuple(value)
            object.__setattr__(instance, name, value)
        check(field_spec, value)


def check(field_spec: FieldSpec, value: Any) -> None:
    """Raises ConfigError unless `value` is a valid typed value of the field."""
    name = field_spec.name
    if value is None and field_spec.optional:
        return
    if field_spec.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{name}={quoted(value)} must be true or false.")
    elif field_spec.kind == "choice":
        if value not in field_spec.choices:
            raise ConfigError(
                f"{name}={quoted(value)} is not supported; choose one of {', '.join(field_spec.choices)}."
            )
    elif field_spec.kind == "sizes":
        if not isinstance(value, tuple):
            raise ConfigError(f"{name}={quoted(value)} must be a list of whole numbers, e.g. 128,64.")
        _check_whole(field_spec.count_label or f"number of {name}", len(value), 0, field_spec.max_count)
        for index, size in enumerate(value):
            _check_whole(f"{name}[{index}]", size, field_spec.minimum, field_spec.maximum)
    elif field_spec.kind == "int":
        _check_whole(name, value, field_spec.minimum, field_spec.maximum)
    else:
        _check_number(field_spec, value)


def _check_whole(name: str, value: Any, low: float | None, high: float | None) -> None:
    inside = (low is None or value >= low) and (high is None or value <= high)
    if isinstance(value, bool) or not isinstance(value, int) or not inside:
        raise ConfigError(f"{name}={quoted(value)} is out of range; use a whole number {_span(low, high)}.")


def _check_number(field_spec: FieldSpec, value: Any) -> None:
    low, high = field_spec.minimum, field_spec.maximum
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    above = low is None or (value > low if field_spec.low_open else value >= low) if number else False
    if not (number and above and (high is None or value <= high)):
        bracket = "(" if field_spec.low_open else "["
        raise ConfigError(
            f"{field_spec.name}={quoted(value)} is out of range; use a number in {bracket}{low:g}, {high:g}]."
        )


def _span(low: float | None, high: float | None) -> str:
    if high is None:
        return f"of at least {low:g}"
    return f"from {low:g} to {high:g}"


def parse(field_spec: FieldSpec, raw: Any) -> Any:
    """The typed value of `raw` (text, or an already typed value), not yet range-checked.

    Raises:
        ConfigError: Text that is not a value of this kind, naming the field.
    """
    if not isinstance(raw, str):
        return tuple(raw) if field_spec.kind == "sizes" and isinstance(raw, list) else raw
    text = raw.strip()
    if field_spec.optional and text.lower() == NONE_WORD:
        return None
    name = field_spec.name
    if field_spec.kind == "bool":
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise ConfigError(f"{name}={quoted(raw)} must be true or false.")
    if field_spec.kind == "sizes":
        return parse_sizes(text, name)
    if field_spec.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{name}={quoted(raw)} is not a whole number.") from None
    if field_spec.kind == "float":
        try:
            number = float(text)
        except ValueError:
            raise ConfigError(f"{name}={quoted(raw)} is not a number.") from None
        if not math.isfinite(number):
            raise ConfigError(f"{name}={quoted(raw)} is not a finite number.")
        return number
    return text


def parse_sizes(text: str, name: str) -> tuple[int, ...]:
    """Whole numbers from text such as "128,64" or "128, 64"; "none" means no entries.

    The one list parser: the command line, the links and the form all read lists with it.

    Raises:
        ConfigError: Empty text, an empty entry ("128,,64") or an entry that is not a whole number.
    """
    cleaned = text.strip()
    if cleaned.lower() == NONE_WORD:
        return ()
    if not cleaned:
        raise ConfigError(f"{name} is empty; write sizes such as 128,64 (or {NONE_WORD} for no layers).")
    sizes = []
    for position, part in enumerate(cleaned.split(","), start=1):
        entry = part.strip()
        if not entry:
            raise ConfigError(
                f"{name}: entry {position} is empty; write a number such as 128 or drop the comma."
            )
        try:
            sizes.append(int(entry))
        except ValueError:
            raise ConfigError(
                f"{name}: {quoted(entry)} is not a whole number; write sizes such as 128,64."
            ) from None
    return tuple(sizes)


def format_text(value: Any) -> str:
    """The text `parse` reads back as `value`: "true", "128,64", "none", "0.003"."""
    if value is None:
        return NONE_WORD
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(format_text(item) for item in value) or NONE_WORD
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
