"""The Train page's configuration form: recipe, architecture and training settings.

Every widget is made from the table of training fields (label, help, bounds)
and keyed by its field's name ("cfg.<field>", with persist_state="session",
so the form survives trips to other pages). A new field in the table shows up
here by itself. What the form holds on a first visit (a link, the workspace's
saved form, the default recipe) is `form_memory`'s job.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from mnist_core.architectures import MAX_FILTERS, MAX_UNITS
from mnist_core.config import MNIST_TRAIN_SIZE, TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.fields import FieldSpec
from mnist_core.overrides import BLOCK_FIELDS, MODEL_FIELDS, TRAINING_FIELDS
from mnist_core.presets import PRESETS, RECIPES, recipe_config
from mnist_core.resources import SharedResources
from mnist_core.settings import Settings, check_caps
from pages.ui import form_memory, form_values, state, text

# How a few fields are shown; every other field gets its kind's usual widget.
RADIOS = {"lr_schedule": {"constant": "constant", "one_cycle": "one-cycle (warm up, then cosine decay)"}}
SLIDERS = ("dropout_rate", "conv_dropout_rate", "dense_dropout_rate")
FORMATS = {"learning_rate": "%g", "target_val_accuracy": "%.3f"}
SWITCH_LABELS = {
    "early_stopping_patience": "Early stopping",
    "target_val_accuracy": "Stop at a target accuracy",
}


def _on_recipe_change(resources: SharedResources) -> None:
    recipe = st.session_state[form_memory.RECIPE_KEY]
    form_memory.load_config(recipe_config(recipe), recipe if recipe in PRESETS else None, resources)


def render(resources: SharedResources) -> tuple[TrainingConfig | None, str]:
    """Draws the form; returns the valid configuration (None, with messages shown, if invalid) and recipe."""
    settings, total = resources.settings, len(resources.data.y_train)
    picker, description = st.columns([1, 2], vertical_alignment="bottom")
    recipe = picker.selectbox(
        "Recipe",
        RECIPES,
        key=form_memory.RECIPE_KEY,
        persist_state="session",
        on_change=_on_recipe_change,
        args=(resources,),
        help="Choosing a recipe fills in the whole form; change anything afterwards.",
    )
    preset = PRESETS.get(recipe)
    description.caption(preset.description if preset else "Your own network, starting from Keras defaults.")
    kind = recipe_config(recipe).model.kind
    bounds = _bounds(settings, total)
    architecture, training = st.columns(2, gap="large")
    with architecture:
        st.subheader("Architecture")
        rows = _conv_blocks_editor(settings) if kind == "cnn" else []
        _grid(MODEL_FIELDS[kind], bounds)
        _caps_caption(settings, kind, architecture=True)
    with training:
        st.subheader("Training")
        _grid({name: item for name, item in TRAINING_FIELDS.items() if not item.command_line_only}, bounds)
        _caps_caption(settings, kind, architecture=False)
    form_memory.save_if_changed(resources, recipe)
    try:
        config = form_values.config_from_form(recipe, form_memory.values(), rows, total, settings)
        check_caps(config, settings, total)
    except ConfigError as error:
        st.error(text.plain(labelled(str(error))), icon=":material/error:")
        return None, recipe
    if kind == "cnn":
        sizes = " → ".join(f"{side}×{side}" for side in [28, *config.model.feature_map_sizes()])
        architecture.caption(f"Feature map after each block: {sizes}.")
    return config, recipe


def _caps_caption(settings: Settings, kind: str, *, architecture: bool) -> None:
    """Says which of this server's caps are tighter than the table's own limits."""
    if architecture:
        caps = [(settings.max_units, MAX_UNITS, "units per dense layer")]
        if kind == "cnn":
            caps.append((settings.max_filters, MAX_FILTERS, "filters per convolution"))
    else:
        caps = [
            (settings.max_epochs, TRAINING_FIELDS["epochs"].maximum, "epochs"),
            (settings.max_train_size, MNIST_TRAIN_SIZE, "training examples"),
        ]
    tight = [f"{cap:,} {what}" for cap, limit, what in caps if limit is not None and cap < limit]
    if tight:
        st.caption(f"This server allows at most {' and '.join(tight)} per run.")


def labelled(message: str) -> str:
    """A message about a field, led by the field's form label: "Epochs: epochs=0 is out of range…"."""
    fields = {**TRAINING_FIELDS, **MODEL_FIELDS["mlp"], **MODEL_FIELDS["cnn"]}
    name = re.match(r"[a-z_]+", message)
    if name and name.group() in fields:
        return f"{fields[name.group()].label}: {message}"
    return message


def _bounds(settings: Settings, total: int) -> dict[str, int]:
    """Widget maxima lowered to this server's caps and data."""
    return {
        "epochs": settings.max_epochs,
        "train_size": min(settings.max_train_size, total),
        "validation_size": total - 10,
    }


def _grid(fields: dict[str, FieldSpec], bounds: dict[str, int]) -> None:
    """Two widgets to a row, in table order; a list, a radio or a switched field takes a whole row."""
    free = None  # The right half of a row whose left half is taken.
    for name, field_spec in fields.items():
        if name in SWITCH_LABELS:
            free = None
            left, right = st.columns(2, vertical_alignment="bottom")
            switch = form_memory.form_key(form_values.switch_key(name))
            left.checkbox(SWITCH_LABELS[name], key=switch, persist_state="session")
            _widget(right, field_spec, bounds, disabled=not st.session_state[switch])
        elif field_spec.kind == "sizes" or name in RADIOS:
            free = None
            _widget(st, field_spec, bounds)
        elif free is None:
            left, free = st.columns(2, vertical_alignment="bottom")
            _widget(left, field_spec, bounds)
        else:
            _widget(free, field_spec, bounds)
            free = None


def _widget(container, field_spec: FieldSpec, bounds: dict[str, int], *, disabled: bool = False) -> None:
    """The widget of one field, bound to its form value for the session."""
    name = field_spec.name
    bound = {
        "key": form_memory.form_key(name),
        "persist_state": "session",
        "help": field_spec.help,
        "disabled": disabled,
    }
    if name in RADIOS:
        choices = RADIOS[name]
        container.radio(field_spec.label, list(choices), format_func=choices.get, horizontal=True, **bound)
    elif field_spec.kind == "choice":
        container.selectbox(field_spec.label, field_spec.choices, **bound)
    elif field_spec.kind == "bool":
        container.checkbox(field_spec.label, **bound)
    elif field_spec.kind == "sizes":
        container.text_input(field_spec.label, **bound)
    elif name in SLIDERS:
        container.slider(
            field_spec.label, field_spec.minimum, field_spec.maximum, step=field_spec.step, **bound
        )
    else:
        number = int if field_spec.kind == "int" else float
        container.number_input(
            field_spec.label,
            min_value=number(field_spec.minimum),
            max_value=number(bounds.get(name, field_spec.maximum)),
            step=number(field_spec.step or 1),
            format=FORMATS.get(name),
            **bound,
        )


def _conv_blocks_editor(settings: Settings) -> list[dict]:
    session = st.session_state
    st.caption("Conv blocks, input side first. Type in the empty last row to add one; select rows to delete.")
    editor_key = f"train_conv_editor_{session[state.CONV_VERSION]}"
    if editor_key not in session:
        # A fresh editor (first draw, or back from another page) starts from the last edit.
        session[state.CONV_ROWS] = session[state.CONV_LATEST]
    columns = {}
    for name, field_spec in BLOCK_FIELDS.items():
        if field_spec.kind == "bool":
            columns[name] = st.column_config.CheckboxColumn(
                field_spec.label, default=True, help=field_spec.help
            )
        else:
            maximum = (
                min(field_spec.maximum, settings.max_filters) if name == "filters" else field_spec.maximum
            )
            columns[name] = st.column_config.NumberColumn(
                field_spec.label,
                min_value=field_spec.minimum,
                max_value=maximum,
                step=1,
                required=True,
                help=field_spec.help,
            )
    edited = st.data_editor(
        pd.DataFrame(session[state.CONV_ROWS], columns=list(BLOCK_FIELDS)),
        key=editor_key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=columns,
    )
    session[state.CONV_LATEST] = edited.to_dict("records")
    return session[state.CONV_LATEST]
