"""Every `st.session_state` key the app uses, named once, and `init_state()`, which sets their defaults.

`app.py` calls `init_state()` before every page, so no page creates a key lazily.
The Train form's fields are the exceptions that prove the rule: they are
"cfg.<field name>", one per field of the table (see `form_memory.form_key`).
"""

from __future__ import annotations

import copy

import streamlit as st

# This browser's workspace (see workspace.py).
WORKSPACE = "workspace"  # The workspace id: a secret, kept in a cookie too.
WORKSPACE_NOTICE = "workspace_notice"  # Why a new workspace was started, to say once.
COOKIE_WRITTEN = "cookie_written"  # The id the browser was last asked to keep.
FORGET_PENDING = "forget_pending"  # "Forget this workspace" was pressed; waiting for the confirmation.

# The training run, which belongs to the workspace (see run.py).
RUN_SEEN = "run_seen"  # The id of the finished run whose model this session has selected.
RUN_TOAST = "run_toast"  # A note to show once, when a run ended on another page.

# What the session looked at.
EVALUATIONS = "evaluations"  # (model key, split) -> EvaluationReport, a cache of the store's reports.
UPLOAD_MESSAGE = "upload_message"  # ("success" | "error", text) about the last model upload.

# The Train form.
FORM_READY = "train_form_ready"  # The URL (or the default recipe) has been read into the form.
FORM_NOTICES = "train_notices"  # Notices about a link's ignored values.
FORM_SAVED = "train_form_saved"  # The form as last saved to the workspace (JSON), to save only changes.
CONV_ROWS = "train_conv_rows"  # The conv-block rows a fresh editor starts from.
CONV_LATEST = "train_conv_latest"  # The rows as last edited.
CONV_VERSION = "train_conv_version"  # Bumped to give the editor a fresh key (after a recipe change).

# My handwriting.
HANDWRITING_TABLE = "handwriting_table"  # The drawings table (its selection: drawings to delete or share).
HANDWRITING_IMPORT = "handwriting_import"
HANDWRITING_NOTE = "handwriting_note"  # ("success" | "error", text) about the last import.
HANDWRITING_CONFUSION = "handwriting_confusion"  # Prefix of the confusion matrix's model pickers.
TEACH_MODEL = "teach_model"  # Prefix of the model-to-teach pickers.
CLASS_DELETE = "class_delete"  # The class set drawings the teacher picked to delete.

# Widgets.
TRAIN_SMOOTHING = "train_smoothing"
TRAIN_UPLOAD = "train_upload"
FILES_MODEL = "files_model"  # The model the Train page's download and delete buttons act on.
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
DRAW_RIGHT = "draw_right"
DRAW_CORRECTION = "draw_correction"  # The "No, it was a" digit, read and cleared by its callback.
DRAW_NOTE = "draw_note"  # ("success" | "error", text) about the drawing just kept.
INSIDE_SOURCE = "inside_source"  # The Inside page's digit: the drawing or an MNIST test digit.
INSIDE_TEST_DIGIT = "inside_test_digit"
INSIDE_WHY = "inside_why"  # Prefix of the Why tab's widgets: the other digit, the kind of map.
INSIDE_RECIPE = "inside_recipe"  # Prefix of the preprocessing switches.
DRAWING = "drawing"  # The latest canvas drawing with ink (RGBA array), for the Inside page and runs.

# The model pickers a new model is selected in.
PICKERS = (ERRORS_MODEL, DRAW_MODEL, FILES_MODEL)

DEFAULTS = {
    WORKSPACE: None,
    WORKSPACE_NOTICE: None,
    COOKIE_WRITTEN: None,
    FORGET_PENDING: False,
    RUN_SEEN: None,
    EVALUATIONS: {},
    UPLOAD_MESSAGE: None,
    FORM_READY: False,
    FORM_NOTICES: [],
    FORM_SAVED: None,
    CONV_ROWS: [],
    CONV_LATEST: [],
    CONV_VERSION: 0,
    DRAW_CANVAS: 0,
    DRAW_STROKE: 20,
    DRAWING: None,
    DRAW_NOTE: None,
    HANDWRITING_NOTE: None,
}


def init_state() -> None:
    """Gives every key its default, once per session (each session gets its own copy)."""
    state = st.session_state
    for key, default in DEFAULTS.items():
        if key not in state:
            state[key] = copy.copy(default)
