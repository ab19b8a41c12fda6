"""Tests for pages/ui/charts.py: the training curves, confusion matrix and probability charts."""

import json

import numpy as np
import pandas as pd
import pytest

from mnist_core.evaluation import report_from_probabilities
from pages.ui import charts


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
    spec = charts.comparison_chart(frame, "accuracy").to_dict()
    assert spec["encoding"]["color"]["field"] == "run" and spec["encoding"]["y"]["field"] == "value"
    rows = spec["datasets"][spec["data"]["name"]]
    assert {row["metric"] for row in rows} == {"accuracy"} and len(rows) == 3


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
    report = report_from_probabilities(np.eye(10)[[0, 1, 1, 3]], np.array([0, 1, 2, 3]))
    spec = charts.per_class_chart(report.per_class).to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    assert {row["digit"]: row["accuracy"] for row in rows}[2] == 0.0
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0.0, 1]
    frame, spec = charts.probability_figure([0.05] * 9 + [0.55])
    assert spec["encoding"]["y"]["scale"] == {"domain": [0, 1]}
    assert frame["best"].tolist() == [False] * 9 + [True]
    assert frame["probability"].tolist() == pytest.approx([0.05] * 9 + [0.55])
    assert spec == charts.vega_lite_spec(charts.probability_chart(frame))


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
