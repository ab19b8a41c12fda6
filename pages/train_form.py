"""The Train page's configuration form: recipe, architecture and training settings.

Widget values live in session state under "cfg.<field>" with
persist_state="session", so the form survives trips to other pages. A preset,
or the URL's query parameters on the page's first load, is written into those
values before the widgets are drawn.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_core.config import ACTIVATIONS, OPTIMIZERS, TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.links import config_from_query
from mnist_core.presets import PRESETS
from mnist_core.resources import SharedResources
from mnist_core.settings import Settings, check_caps
from pages import form_state

DEFAULT_RECIPE = "fast-cnn"
# Streamlit's own query parameters, which are not training settings.
STREAMLIT_PARAMS = ("embed", "embed_options")
SCHEDULES = {"constant": "constant", "one_cycle": "one-cycle (warm up, then cosine decay)"}


def key(field: str) -> str:
    return f"cfg.{field}"


def load_config(config: TrainingConfig, preset_name: str | None, resources: SharedResources) -> list[str]:
    """Writes a configuration into the form; returns notices about values changed to fit the caps."""
    total = len(resources.data.y_train)
    values, rows, notices = form_state.values_from_config(config, total, resources.settings)
    state = st.session_state
    for field, value in values.items():
        state[key(field)] = value
    state[key("recipe")] = form_state.recipe_for(config, preset_name)
    state.train_conv_rows = state.train_conv_latest = rows
    state.train_conv_version = state.get("train_conv_version", 0) + 1
    return notices


def prefill_once(resources: SharedResources) -> None:
    """On this session's first visit, fills the form from the URL (or the default recipe)."""
    state = st.session_state
    if state.get("train_form_ready"):
        return
    state.train_form_ready = True
    params = st.query_params.to_dict()
    params = {name: value for name, value in params.items() if name not in STREAMLIT_PARAMS}
    if params:
        config, preset, notices = config_from_query(params)
    else:
        config, preset, notices = PRESETS[DEFAULT_RECIPE].config, DEFAULT_RECIPE, []
    state.train_notices = notices + load_config(config, preset, resources)


def _on_recipe_change(resources: SharedResources) -> None:
    recipe = st.session_state[key("recipe")]
    load_config(form_state.recipe_config(recipe), form_state.preset_name(recipe), resources)


def render(resources: SharedResources) -> tuple[TrainingConfig | None, str]:
    """Draws the form; returns the valid configuration (None, with messages shown, if invalid) and recipe."""
    settings, total = resources.settings, len(resources.data.y_train)
    picker, description = st.columns([1, 2], vertical_alignment="bottom")
    recipe = picker.selectbox(
        "Recipe",
        form_state.RECIPES,
        key=key("recipe"),
        persist_state="session",
        on_change=_on_recipe_change,
        args=(resources,),
        help="Choosing a recipe fills in the whole form; change anything afterwards.",
    )
    preset = PRESETS.get(recipe)
    description.caption(preset.description if preset else "Your own network, starting from Keras defaults.")
    kind = form_state.recipe_config(recipe).model.kind
    architecture, training = st.columns(2, gap="large")
    with architecture:
        st.subheader("Architecture")
        model = _architecture(kind, settings)
    with training:
        st.subheader("Training")
        config = _training(model, total, settings)
    return config, recipe


def _values() -> dict:
    return {name[4:]: value for name, value in st.session_state.items() if name.startswith("cfg.")}


def _bound(field: str) -> dict:
    """Widget arguments that tie a widget to its form value for the whole session."""
    return {"key": key(field), "persist_state": "session"}


def _dropout(container, label: str, field: str) -> None:
    container.slider(label, 0.0, 0.9, step=0.05, **_bound(field))


def _architecture(kind: str, settings: Settings):
    if kind == "mlp":
        st.text_input(
            "Hidden layer sizes",
            help="Units of each hidden layer, input side first, e.g. 256, 128. `none` gives a linear model.",
            **_bound("hidden_units"),
        )
        st.selectbox("Activation", ACTIVATIONS, **_bound("activation"))
        _dropout(st, "Dropout after each hidden layer", "dropout_rate")
        rows = []
    else:
        st.caption(
            "Conv blocks, input side first. Type in the empty last row to add one; select rows to delete."
        )
        rows = _conv_blocks_editor(min(512, settings.max_hidden_units))
        left, right = st.columns(2, vertical_alignment="bottom")
        left.selectbox("Activation", ACTIVATIONS, **_bound("activation"))
        right.checkbox(
            "Batch normalisation",
            help="Normalise each convolution's output; often trains faster.",
            **_bound("batch_norm"),
        )
        left, right = st.columns(2)
        _dropout(left, "Dropout after each conv block", "conv_dropout_rate")
        _dropout(right, "Dropout in the dense head", "dense_dropout_rate")
        st.text_input(
            "Dense layer sizes",
            help="Dense layers after flattening, e.g. 128. `none` goes straight to the output.",
            **_bound("dense_units"),
        )
    if settings.max_hidden_units < 4096:
        cap = settings.max_hidden_units
        st.caption(f"This server caps layers at {cap:,} units or filters (MNIST_MAX_UNITS).")
    try:
        model = form_state.model_from_values(kind, _values(), rows)
        check_caps(TrainingConfig(model=model, epochs=1, train_size=10), settings)
    except ConfigError as error:
        st.error(str(error), icon=":material/error:")
        return None
    if kind == "cnn":
        sizes = " → ".join(f"{side}×{side}" for side in [28, *model.feature_map_sizes()])
        st.caption(f"Feature map after each block: {sizes}.")
    return model


def _conv_blocks_editor(max_filters: int) -> list[dict]:
    state = st.session_state
    editor_key = f"train_conv_editor_{state.train_conv_version}"
    if editor_key not in state:
        # A fresh editor (first draw, or back from another page) starts from the last edit.
        state.train_conv_rows = state.train_conv_latest
    edited = st.data_editor(
        pd.DataFrame(state.train_conv_rows, columns=list(form_state.BLOCK_COLUMNS)),
        key=editor_key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "filters": st.column_config.NumberColumn(
                "filters", min_value=1, max_value=max_filters, step=1, required=True, help="Output channels"
            ),
            "kernel_size": st.column_config.NumberColumn(
                "kernel", min_value=1, max_value=9, step=1, required=True, help="Side of the square kernel"
            ),
            "strides": st.column_config.NumberColumn(
                "stride",
                min_value=1,
                max_value=3,
                step=1,
                required=True,
                help="2 halves the image, like pooling",
            ),
            "pooling": st.column_config.CheckboxColumn("2×2 max pool", default=True),
        },
    )
    state.train_conv_latest = edited.to_dict("records")
    return state.train_conv_latest


def _training(model, total: int, settings: Settings) -> TrainingConfig | None:
    state = st.session_state
    left, right = st.columns(2)
    left.selectbox("Optimizer", OPTIMIZERS, **_bound("optimizer"))
    right.number_input(
        "Learning rate",
        min_value=0.0,
        max_value=100.0,
        step=0.0005,
        format="%g",
        help="Peak step size. Adam likes about 0.001; try 10 to see a run blow up.",
        **_bound("learning_rate"),
    )
    st.radio(
        "Learning-rate schedule",
        list(SCHEDULES),
        format_func=SCHEDULES.get,
        horizontal=True,
        **_bound("lr_schedule"),
    )
    left, right = st.columns(2)
    left.number_input("Batch size", min_value=1, max_value=8192, step=32, **_bound("batch_size"))
    right.number_input(
        "Epochs",
        min_value=1,
        max_value=settings.max_epochs,
        step=1,
        help=f"At most {settings.max_epochs} on this server.",
        **_bound("epochs"),
    )
    left.number_input(
        "Training examples",
        min_value=10,
        max_value=min(settings.max_train_size, total),
        step=1000,
        help="Train on the first this many digits (after the split).",
        **_bound("train_size"),
    )
    right.number_input(
        "Validation examples",
        min_value=0,
        max_value=total - 10,
        step=1000,
        help="Held out from the end of the training set to watch for overfitting.",
        **_bound("validation_size"),
    )
    left.number_input(
        "Seed",
        min_value=0,
        max_value=2**31 - 1,
        step=1,
        help="Same seed and settings, same run.",
        **_bound("seed"),
    )
    right.checkbox(
        "Augment images",
        help="Random shifts, rotations, zooms and stroke widths: slower, better on drawings.",
        **_bound("augment"),
    )
    # No help tooltip here: its "Help for Early stopping" button would also match a search for "Stop".
    left.checkbox("Early stopping", **_bound("early_stopping"))
    right.number_input(
        "Patience (epochs)",
        min_value=1,
        max_value=100,
        step=1,
        disabled=not state[key("early_stopping")],
        help="End after this many epochs without a better validation loss, keeping the best weights.",
        **_bound("patience"),
    )
    left.checkbox("Stop at a target accuracy", **_bound("use_target"))
    right.number_input(
        "Target validation accuracy",
        min_value=0.0,
        max_value=1.0,
        step=0.005,
        format="%.3f",
        disabled=not state[key("use_target")],
        **_bound("target_val_accuracy"),
    )
    caps = [
        f"{settings.max_epochs} epochs" if settings.max_epochs < 1000 else "",
        f"{settings.max_train_size:,} training examples" if settings.max_train_size < 60000 else "",
    ]
    if any(caps):
        st.caption(f"This server allows at most {' and '.join(cap for cap in caps if cap)} per run.")
    if model is None:
        return None
    try:
        config = form_state.training_from_values(model, _values(), total, settings)
        check_caps(config, settings)
    except ConfigError as error:
        st.error(str(error), icon=":material/error:")
        return None
    return config
