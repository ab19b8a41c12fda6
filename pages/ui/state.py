"""Every `st.session_state` key the app uses, named once, and `init_state()`, which sets their defaults.

`app.py` calls `init_state()` before every page, so no page creates a key lazily.
The Train form's fields are the exceptions that prove the rule: they are
"cfg.<field name>", one per field of the table (see `train_form.form_key`).
"""

from __future__ import annotations

import copy

import streamlit as st

# The training run (see run.py).
RUN_JOB = "run_job"  # The session's latest TrainingJob, or None.
RUN_COLLECTED = "run_collected"  # Whether the finished run's model has joined MODELS.
RUN_LABEL = "run_label"  # "Run 2 · fast-cnn".
RUN_COUNT = "run_count"
RUN_MODEL_NAME = "run_model_name"  # The name the run's model was added under.
RUN_TOAST = "run_toast"  # A note to show once, when a run ended on another page.

# What the session made.
MODELS = "models"  # ModelEntry list, oldest first.
EVALUATIONS = "evaluations"  # (model name, created, split) -> EvaluationReport.
UPLOAD_MESSAGE = "upload_message"  # ("success" | "error", text) about the last model upload.

# The Train form.
FORM_READY = "train_form_ready"  # The URL (or the default recipe) has been read into the form.
FORM_NOTICES = "train_notices"  # Notices about a link's ignored values.
CONV_ROWS = "train_conv_rows"  # The conv-block rows a fresh editor starts from.
CONV_LATEST = "train_conv_latest"  # The rows as last edited.
CONV_VERSION = "train_conv_version"  # Bumped to give the editor a fresh key (after a recipe change).

# Widgets.
TRAIN_SMOOTHING = "train_smoothing"
TRAIN_UPLOAD = "train_upload"
ERRORS_MODEL = "errors_model"
ERRORS_SPLIT = "errors_split"
ERRORS_TRUE = "errors_true"
ERRORS_PREDICTED = "errors_predicted"
ERRORS_SORT = "errors_sort"
DRAW_MODEL = "draw_model"
DRAW_MODEL_B = "draw_model_b"
DRAW_COMPARE = "draw_compare"
DRAW_CANVAS = "draw_canvas"  # Bumped by Clear: the canvas's key, so a new one starts empty.
DRAW_STROKE = "draw_stroke"
DRAW_UPLOAD = "draw_upload"

# The model pickers a new model is selected in.
PICKERS = (ERRORS_MODEL, DRAW_MODEL)

DEFAULTS = {
    RUN_JOB: None,
    RUN_COLLECTED: True,
    RUN_LABEL: "",
    RUN_COUNT: 0,
    RUN_MODEL_NAME: None,
    MODELS: [],
    EVALUATIONS: {},
    UPLOAD_MESSAGE: None,
    FORM_READY: False,
    FORM_NOTICES: [],
    CONV_ROWS: [],
    CONV_LATEST: [],
    CONV_VERSION: 0,
    DRAW_CANVAS: 0,
    DRAW_STROKE: 20,
}


def init_state() -> None:
    """Gives every key its default, once per session (each session gets its own copy)."""
    state = st.session_state
    for key, default in DEFAULTS.items():
        if key not in state:
            state[key] = copy.copy(default)
