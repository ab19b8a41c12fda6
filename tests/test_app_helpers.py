"""Unit tests of the app's pure helpers: form values, charts, image enlarging, formatting."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mnist_core.config import CNNConfig, ConvBlock, MLPConfig, TrainingConfig
from mnist_core.errors import ConfigError
from mnist_core.evaluation import report_from_probabilities
from mnist_core.presets import PRESETS
from mnist_core.settings import Settings
from pages import charts, form_state
from pages.common import enlarge
from pages.train_live import format_seconds

ROOT = Path(__file__).resolve().parent.parent
FULL = 60000


# Form values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sizes"),
    [("128", (128,)), ("256, 128", (256, 128)), (" 64 ;32 ", (64, 32)), ("none", ()), ("None", ())],
)
def test_parse_sizes_reads_comma_separated_sizes(text, sizes):
    assert form_state.parse_sizes(text, "Hidden layer sizes") == sizes
    assert form_state.parse_sizes(form_state.format_sizes(sizes), "x") == sizes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("  ", "is empty"),
        ("128,,64", "entry 2 is empty"),
        ("128,", "entry 2 is empty"),
        ("0", "layer 1 has 0 units"),
        ("-5", "layer 1 has -5 units"),
        ("12.5", "'12.5' is not a whole number"),
    ],
)
def test_parse_sizes_refuses_bad_text_naming_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        form_state.parse_sizes(text, "Hidden layer sizes")


def test_blocks_round_trip_through_table_rows():
    blocks = PRESETS["fast-cnn"].config.model.conv_blocks
    assert form_state.blocks_from_rows(form_state.block_rows(blocks)) == blocks


def test_blocks_from_edited_rows_accept_floats_and_a_missing_pooling_tick():
    rows = [{"filters": 16.0, "kernel_size": 3.0, "strides": 1.0, "pooling": None}]
    assert form_state.blocks_from_rows(rows) == (ConvBlock(16, 3, 1, pooling=False),)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no conv blocks"),
        (
            [{"filters": None, "kernel_size": 3, "strides": 1, "pooling": True}],
            "block 1: the filters cell is empty",
        ),
        (
            [{"filters": 8, "kernel_size": 3, "strides": 1, "pooling": True}] * 1
            + [{"filters": 8, "kernel_size": float("nan"), "strides": 1, "pooling": True}],
            "block 2: the kernel_size cell is empty",
        ),
        ([{"filters": 8, "kernel_size": 12, "strides": 1, "pooling": True}], "Conv block 1: kernel_size=12"),
        ([{"filters": 8.5, "kernel_size": 3, "strides": 1, "pooling": True}], "8.5 is not a whole number"),
    ],
)
def test_blocks_from_rows_names_the_bad_block(rows, message):
    with pytest.raises(ConfigError, match=message):
        form_state.blocks_from_rows(rows)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips_through_the_form(name):
    config = PRESETS[name].config
    values, rows, notices = form_state.values_from_config(config, FULL, Settings())
    model = form_state.model_from_values(config.model.kind, values, rows)
    assert form_state.training_from_values(model, values, FULL, Settings()) == config
    assert notices == []


def test_form_round_trips_explicit_sizes_and_stopping_rules():
    config = TrainingConfig(
        model=CNNConfig(batch_norm=True, dense_units=()),
        validation_size=1000,
        train_size=300,
        early_stopping_patience=3,
        target_val_accuracy=0.97,
        augment=True,
    )
    values, rows, _ = form_state.values_from_config(config, FULL, Settings())
    model = form_state.model_from_values("cnn", values, rows)
    assert form_state.training_from_values(model, values, FULL, Settings()) == config


def test_values_are_lowered_to_the_caps_with_notices():
    settings = Settings(max_epochs=5, max_train_size=1000)
    config = PRESETS["seed-mlp-128"].config.replace(epochs=40)
    values, _, notices = form_state.values_from_config(config, FULL, settings)
    assert values["epochs"] == 5 and values["train_size"] == 1000
    assert any("epochs=40 is above this server's cap of 5" in notice for notice in notices)


def test_a_train_size_cap_keeps_the_train_size_explicit():
    # With MNIST_MAX_TRAIN_SIZE set, "all examples" would break the cap, so the size stays explicit.
    settings = Settings(max_train_size=20000)
    values, rows, _ = form_state.values_from_config(TrainingConfig(), FULL, settings)
    config = form_state.training_from_values(
        form_state.model_from_values("mlp", values, rows), values, FULL, settings
    )
    assert config.train_size == 20000


def test_validation_size_that_leaves_no_training_data_is_refused():
    values, _, _ = form_state.values_from_config(TrainingConfig(), 1000, Settings())
    values["validation_size"] = 1000
    with pytest.raises(ConfigError, match="leaves no training data"):
        form_state.training_from_values(MLPConfig(), values, 1000, Settings())


def test_run_label_names_the_preset_an_edit_or_a_custom_network():
    config = PRESETS["fast-cnn"].config
    assert form_state.run_label(config, "fast-cnn") == "fast-cnn"
    assert form_state.run_label(config.replace(epochs=1), "fast-cnn") == "fast-cnn (edited)"
    assert form_state.run_label(TrainingConfig(), "fast-cnn") == "custom MLP"
    assert form_state.run_label(TrainingConfig(), "custom MLP") == "custom MLP"


def test_recipe_for_a_query_config_falls_back_to_custom_when_the_kind_changed():
    assert form_state.recipe_for(PRESETS["seed-mlp-128"].config, "seed-mlp-128") == "seed-mlp-128"
    assert form_state.recipe_for(TrainingConfig(model=CNNConfig()), "seed-mlp-128") == "custom CNN"
    assert form_state.recipe_config("custom CNN").model == CNNConfig()


def test_train_examples_counts_what_a_run_uses():
    assert form_state.train_examples(TrainingConfig(), FULL) == 54000
    assert form_state.train_examples(TrainingConfig(train_size=300), FULL) == 300
    assert form_state.train_examples(TrainingConfig(validation_size=500, train_size=900), 1000) == 500


# Charts --------------------------------------------------------------------------------------


def test_smooth_is_an_exponential_moving_average():
    values = pd.Series([1.0, 0.0, 0.0])
    assert charts.smooth(values, 0.0).tolist() == [1.0, 0.0, 0.0]
    smoothed = charts.smooth(values, 0.5)
    # pandas' debiased EMA: weights 1, 0.5, 0.25 for the newest to oldest value.
    assert smoothed.iloc[-1] == pytest.approx(0.25 / 1.75)
    assert smoothed.iloc[0] == 1.0


def test_downsample_keeps_the_ends_and_at_most_max_points():
    frame = pd.DataFrame({"x": range(1000)})
    kept = charts.downsample(frame, 300)
    assert len(kept) <= 300
    assert kept["x"].iloc[0] == 0 and kept["x"].iloc[-1] == 999
    assert charts.downsample(frame.head(10), 300).equals(frame.head(10))


def fake_progress(batches: int = 900, epochs: int = 3):
    steps = np.arange(1, batches + 1)
    per_epoch = batches // epochs
    history = [
        {"epoch": epoch, "val_loss": 0.5 / epoch, "val_accuracy": 0.8 + 0.05 * epoch}
        for epoch in range(1, epochs + 1)
    ]
    batch_values = {
        "step": steps.tolist(),
        "epoch": (steps / per_epoch).tolist(),
        "loss": np.linspace(2.3, 0.1, batches).tolist(),
        "accuracy": np.linspace(0.1, 0.99, batches).tolist(),
    }
    return batch_values, history


def test_training_curves_put_validation_at_whole_epochs_and_limit_points():
    batches, history = fake_progress()
    frame = charts.training_curves(batches, history, smoothing=0.6, max_points=200)
    validation = frame[(frame["curve"] == charts.VALIDATION) & (frame["metric"] == "accuracy")]
    assert validation["epoch"].tolist() == [1.0, 2.0, 3.0]
    assert validation["value"].tolist() == pytest.approx([0.85, 0.9, 0.95])
    for curve in (charts.TRAINING, charts.RAW):
        assert 0 < len(frame[(frame["curve"] == curve) & (frame["metric"] == "loss")]) <= 200
    assert set(frame.columns) == {"epoch", "value", "metric", "curve"}


def test_training_curves_drop_non_finite_values_and_handle_no_batches():
    batches = {"step": [1, 2], "epoch": [0.5, 1.0], "loss": [1.0, float("nan")], "accuracy": [0.5, 0.6]}
    frame = charts.training_curves(batches, [{"epoch": 1, "val_loss": None, "val_accuracy": None}], 0.0)
    assert np.isfinite(frame["value"]).all()
    assert charts.training_curves({"step": [], "epoch": [], "loss": [], "accuracy": []}, [], 0.6).empty


def test_curve_chart_fixes_the_accuracy_axis_to_zero_one():
    batches, history = fake_progress()
    frame = charts.training_curves(batches, history)
    rows, spec = charts.curve_figure(frame, "accuracy", epochs=3)
    scales = [layer["encoding"]["y"].get("scale") for layer in spec["layer"] if "encoding" in layer]
    assert {"domain": [0, 1]} in scales or spec["encoding"]["y"]["scale"] == {"domain": [0, 1]}
    assert set(rows["metric"]) == {"accuracy"} and len(rows) == (frame["metric"] == "accuracy").sum()


@pytest.mark.parametrize("metric", ["loss", "accuracy"])
def test_curve_figure_spec_is_the_chart_built_on_the_data(metric):
    batches, history = fake_progress()
    frame = charts.training_curves(batches, history)
    _, spec = charts.curve_figure(frame, metric, epochs=3)
    assert "data" not in spec and "datasets" not in spec
    assert spec == charts.vega_lite_spec(charts.curve_chart(frame, metric, epochs=3))
    spec["layer"].clear()  # The cached spec is handed out as a fresh copy each time.
    assert charts.curve_figure(frame, metric, epochs=3)[1]["layer"]
    # The x axis follows the run's length.
    assert charts.curve_figure(frame, metric, epochs=7)[1] != charts.curve_figure(frame, metric, epochs=3)[1]


def test_comparison_frame_has_one_row_per_run_epoch_and_metric():
    _, history = fake_progress(epochs=2)
    frame = charts.comparison_frame({"Run 1": history, "Run 2": history[:1]})
    assert len(frame) == (2 + 1) * 2
    assert set(frame["run"]) == {"Run 1", "Run 2"}
    assert charts.comparison_chart(frame, "accuracy").to_dict()


def test_confusion_frame_and_chart_select_cells_by_true_and_predicted():
    probabilities = np.eye(10)[[0, 1, 2, 3, 3]]
    report = report_from_probabilities(probabilities, np.array([0, 1, 2, 3, 5]))
    frame = charts.confusion_frame(report.confusion)
    assert len(frame) == 100
    wrong = frame[(frame["true"] == 5) & (frame["predicted"] == 3)].iloc[0]
    assert wrong["count"] == 1 and wrong["mistake"]
    spec = charts.confusion_chart(report.confusion).to_dict()
    selection = spec["params"][0] if "params" in spec else spec["layer"][0]["params"][0]
    assert selection["name"] == "cell"
    assert selection["select"]["fields"] == ["true", "predicted"]


@pytest.mark.parametrize(("accuracies", "floor"), [([0.99, 0.985], 0.9), ([0.5, 0.9], 0.4), ([0.01], 0.0)])
def test_accuracy_floor_starts_the_axis_below_the_worst_digit(accuracies, floor):
    assert charts.accuracy_floor(accuracies) == pytest.approx(floor)


def test_per_class_and_probability_charts_build():
    report = report_from_probabilities(np.eye(10), np.arange(10))
    assert charts.per_class_chart(report.per_class).to_dict()
    frame, spec = charts.probability_figure([0.05] * 9 + [0.55])
    assert spec["encoding"]["y"]["scale"] == {"domain": [0, 1]}
    assert frame["best"].tolist() == [False] * 9 + [True]
    assert frame["probability"].tolist() == pytest.approx([0.05] * 9 + [0.55])
    assert spec == charts.vega_lite_spec(charts.probability_chart(frame))


# Images and formatting -----------------------------------------------------------------------


def test_enlarge_keeps_hard_pixel_edges():
    image = np.zeros((28, 28), np.uint8)
    image[3, 5] = 255
    big = np.asarray(enlarge(image, 4))
    assert big.shape == (112, 112)
    assert (big[12:16, 20:24] == 255).all() and big.sum() == 255 * 16


def test_enlarge_accepts_floats_in_zero_one():
    big = np.asarray(enlarge(np.full((28, 28), 0.5, np.float32), 2))
    assert big.dtype == np.uint8 and big.shape == (56, 56) and (big == 128).all()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (0.2, "< 1 s"), (42.4, "42 s"), (185, "3 min 5 s"), (3720, "1 h 2 min")],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_page_helpers_do_not_import_tensorflow():
    # The home page must render while TensorFlow loads in the background.
    code = (
        "import sys; import pages.common, pages.charts, pages.form_state, pages.train_form, "
        "pages.train_live; assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_no_chart_uses_a_null_scale():
    # `scale=None` (an identity scale) makes Streamlit's chart frontend fail with a blank chart.
    batches, history = fake_progress()
    report = report_from_probabilities(np.eye(10)[[0, 1, 2, 3, 3]], np.array([0, 1, 2, 3, 5]))
    specs = [
        charts.curve_chart(charts.training_curves(batches, history), "loss", epochs=3),
        charts.comparison_chart(charts.comparison_frame({"Run 1": history}), "loss"),
        charts.confusion_chart(report.confusion),
        charts.per_class_chart(report.per_class),
        charts.probability_chart(charts.probability_frame([0.1] * 10)),
    ]
    for chart in specs:
        assert '"scale": null' not in json.dumps(chart.to_dict())


def test_streamlit_no_longer_clears_the_keras_session_after_each_run(monkeypatch):
    import keras
    from streamlit.runtime.scriptrunner import script_runner

    from pages import common

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: calls.append(args))
    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    script_runner._clean_problem_modules()
    assert calls, "Streamlit's own clean-up should call clear_session (else this test proves nothing)"

    calls.clear()
    common.keep_keras_state_between_runs()
    script_runner._clean_problem_modules()
    assert calls == []
