"""Altair charts and the pandas frames behind them; no Streamlit, so they are unit-tested.

Training curves smooth the per-batch values with an exponential moving
average and keep at most a few hundred points, so a chart refreshed every
second stays fast however long the run.

The charts redrawn often (live curves every second, probabilities after
every stroke) are "figures": their Vega-Lite spec, built by Altair once per
shape and cached, plus the frame to show in it, for `st.vega_lite_chart`.
Building and validating an Altair chart and handing it to `st.altair_chart`
costs about 40 ms of the server's time per chart; a cached spec costs ~1 ms.
"""

from __future__ import annotations

import functools
import json
import math

import altair as alt
import numpy as np
import pandas as pd

MAX_POINTS = 300
TRAINING, RAW, VALIDATION = "training", "training (per batch)", "validation"
CURVE_COLORS = {TRAINING: "#1f77b4", VALIDATION: "#ff7f0e"}
METRIC_TITLES = {"loss": "loss (cross-entropy)", "accuracy": "accuracy"}


def smooth(values: pd.Series, smoothing: float) -> pd.Series:
    """Exponential moving average; `smoothing` in [0, 1), 0 returns the values unchanged."""
    if smoothing <= 0 or values.empty:
        return values
    return values.ewm(alpha=1.0 - smoothing, adjust=True).mean()


def downsample(frame: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """At most `max_points` evenly spaced rows, always keeping the first and the last."""
    if len(frame) <= max_points:
        return frame
    rows = np.unique(np.linspace(0, len(frame) - 1, max_points).round().astype(int))
    return frame.iloc[rows]


def training_curves(
    batches: dict[str, list[float]],
    epochs_history: list[dict],
    smoothing: float = 0.6,
    max_points: int = MAX_POINTS,
) -> pd.DataFrame:
    """Long-format curves for the live charts.

    Args:
        batches: `JobProgress.batches` (fractional "epoch", "loss", "accuracy" per batch).
        epochs_history: `JobProgress.epochs_history` (val_loss, val_accuracy per epoch).
        smoothing: EMA smoothing of the per-batch values.
        max_points: Points kept per curve.

    Returns:
        Columns epoch, metric ("loss"/"accuracy"), curve (raw batch values,
        smoothed training, validation at x = epoch number) and value.
    """
    parts = []
    columns = ("epoch", "loss", "accuracy")
    per_batch = pd.DataFrame({key: batches.get(key, []) for key in columns}, dtype=float)
    for metric in ("loss", "accuracy"):
        raw = per_batch[["epoch", metric]].rename(columns={metric: "value"})
        smoothed = raw.assign(value=smooth(raw["value"], smoothing))
        parts.append(downsample(raw, max_points).assign(metric=metric, curve=RAW))
        parts.append(downsample(smoothed, max_points).assign(metric=metric, curve=TRAINING))
        validation = [
            {"epoch": float(row["epoch"]), "value": row[f"val_{metric}"]}
            for row in epochs_history
            if row.get(f"val_{metric}") is not None
        ]
        validation = pd.DataFrame(validation, columns=["epoch", "value"])
        parts.append(validation.assign(metric=metric, curve=VALIDATION))
    frame = pd.concat(parts, ignore_index=True)
    frame["value"] = frame["value"].astype(float)
    return frame[np.isfinite(frame["value"])].reset_index(drop=True)


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec without its data; `st.vega_lite_chart(frame, spec)` adds them back."""
    spec = chart.to_dict()
    spec.pop("data", None)
    spec.pop("datasets", None)
    return spec


CURVE_COLUMNS = {"epoch": float, "metric": str, "curve": str, "value": float}


@functools.lru_cache(maxsize=64)
def _curve_spec_json(metric: str, epochs: int, height: int) -> str:
    empty = pd.DataFrame({column: pd.Series(dtype=kind) for column, kind in CURVE_COLUMNS.items()})
    return json.dumps(vega_lite_spec(curve_chart(empty, metric, epochs, height)))


def curve_figure(
    frame: pd.DataFrame, metric: str, epochs: int, height: int = 280
) -> tuple[pd.DataFrame, dict]:
    """`curve_chart` as (its rows of `frame`, its cached spec), for the chart refreshed every second."""
    return frame[frame["metric"] == metric], json.loads(_curve_spec_json(metric, epochs, height))


def curve_chart(frame: pd.DataFrame, metric: str, epochs: int, height: int = 280) -> alt.LayerChart:
    """Training (faint raw and smoothed) and validation curves of one metric against epochs."""
    data = frame[frame["metric"] == metric]
    x = alt.X("epoch:Q", title="epoch", scale=alt.Scale(domain=[0, max(epochs, 1)], nice=False))
    y_scale = alt.Scale(domain=[0, 1]) if metric == "accuracy" else alt.Scale(zero=True)
    y = alt.Y("value:Q", title=METRIC_TITLES[metric], scale=y_scale)
    color = alt.Color(
        "curve:N",
        title=None,
        scale=alt.Scale(domain=list(CURVE_COLORS), range=list(CURVE_COLORS.values())),
        legend=alt.Legend(orient="bottom"),
    )
    tooltip = ["curve:N", alt.Tooltip("epoch:Q", format=".2f"), alt.Tooltip("value:Q", format=".4f")]
    base = alt.Chart(data).encode(x=x, y=y)
    raw = base.transform_filter(alt.datum.curve == RAW)
    raw = raw.mark_line(opacity=0.25, color=CURVE_COLORS[TRAINING])
    trained = base.transform_filter(alt.datum.curve == TRAINING)
    trained = trained.mark_line().encode(color=color, tooltip=tooltip)
    validation = base.transform_filter(alt.datum.curve == VALIDATION)
    validation = validation.mark_line(point=alt.OverlayMarkDef(size=60)).encode(color=color, tooltip=tooltip)
    return alt.layer(raw, trained, validation).properties(height=height)


def comparison_frame(runs: dict[str, list[dict]]) -> pd.DataFrame:
    """Per-epoch validation curves of several runs: columns run, epoch, metric, value."""
    rows = [
        {"run": name, "epoch": row["epoch"], "metric": metric, "value": row[f"val_{metric}"]}
        for name, history in runs.items()
        for row in history
        for metric in ("accuracy", "loss")
        if row.get(f"val_{metric}") is not None
    ]
    return pd.DataFrame(rows, columns=["run", "epoch", "metric", "value"])


def comparison_chart(frame: pd.DataFrame, metric: str, height: int = 280) -> alt.Chart:
    """Validation `metric` per epoch, one coloured line per run."""
    y_scale = alt.Scale(zero=False) if metric == "accuracy" else alt.Scale(zero=True)
    return (
        alt.Chart(frame[frame["metric"] == metric])
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=f"validation {metric}", scale=y_scale),
            color=alt.Color("run:N", title=None, legend=alt.Legend(orient="bottom", columns=2)),
            tooltip=["run:N", "epoch:Q", alt.Tooltip("value:Q", format=".4f")],
        )
        .properties(height=height)
    )


def confusion_frame(confusion: list[list[int]]) -> pd.DataFrame:
    """The 10x10 matrix as rows: true, predicted, count, and whether the cell is a mistake."""
    rows = [
        {"true": true, "predicted": predicted, "count": int(count), "mistake": true != predicted}
        for true, row in enumerate(confusion)
        for predicted, count in enumerate(row)
    ]
    return pd.DataFrame(rows)


def confusion_chart(confusion: list[list[int]], size: int | str = 500) -> alt.LayerChart:
    """A clickable heatmap with counts: mistakes in orange to red, correct answers in blue.

    Clicking a cell selects its (true, predicted) pair through the point
    selection named "cell". `size` includes the axes (Streamlit fits the chart to it); "container"
    makes it as wide as its container (and 480 px tall).
    """
    frame = confusion_frame(confusion)
    worst = max(int(frame.loc[frame["mistake"], "count"].max()), 1)
    frame["kind"] = np.where(frame["mistake"], "mistake", "correct")
    frame["label"] = np.where(frame["count"] > 0, frame["count"].astype(str), "")
    frame["dark"] = frame["mistake"] & (frame["count"] > worst / 2)
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear="dblclick")
    faded = alt.condition(cell, alt.value(1.0), alt.value(0.3))
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:O", title="predicted digit", axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("true:O", title="true digit"),
        tooltip=["true:O", "predicted:O", "count:Q"],
    )
    background = alt.Scale(domain=["correct", "mistake"], range=["#d6e6f4", "#f3f5f8"])
    cells = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.Color("kind:N", scale=background, legend=None), opacity=faded
    )
    mistakes = base.transform_filter("datum.mistake && datum.count > 0").mark_rect(
        stroke="white", strokeWidth=1.5
    )
    mistakes = mistakes.encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="orangered", type="sqrt"), legend=None),
        opacity=faded,
    )
    labels = base.mark_text(fontSize=12).encode(
        text="label:N",
        color=alt.condition("datum.dark", alt.value("white"), alt.value("#262730")),
    )
    height = size if isinstance(size, int) else 480
    return alt.layer(cells.add_params(cell), mistakes, labels).properties(width=size, height=height)


def accuracy_floor(accuracies: list[float]) -> float:
    """Where the per-digit accuracy axis starts: 0, or a round value below the worst digit.

    Good models score 98-100% on every digit; starting the axis near the
    worst digit makes their differences visible.
    """
    worst = min(accuracies, default=0.0)
    return max(0.0, min(0.9, math.floor((worst - 0.02) * 10) / 10))


def per_class_chart(per_class: list, height: int = 330) -> alt.LayerChart:
    """Accuracy (recall) of each digit as horizontal bars labelled in percent."""
    frame = pd.DataFrame(
        {
            "digit": [row.digit for row in per_class],
            "accuracy": [row.accuracy for row in per_class],
            "examples": [row.count for row in per_class],
        }
    )
    floor = accuracy_floor(frame["accuracy"].tolist())
    base = alt.Chart(frame).encode(
        y=alt.Y("digit:O", title="true digit"),
        x=alt.X(
            "accuracy:Q",
            title=f"accuracy (axis starts at {floor:.0%})" if floor else "accuracy",
            scale=alt.Scale(domain=[floor, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip=["digit:O", alt.Tooltip("accuracy:Q", format=".2%"), "examples:Q"],
    )
    bars = base.mark_bar(color=CURVE_COLORS[TRAINING], clip=True)
    labels = base.mark_text(align="right", dx=-4, color="white", fontSize=11).encode(
        text=alt.Text("accuracy:Q", format=".1%")
    )
    return alt.layer(bars, labels).properties(height=height)


def probability_frame(probabilities: tuple[float, ...] | list[float]) -> pd.DataFrame:
    """Columns digit, probability and best (whether it is the highest)."""
    values = [float(p) for p in probabilities]
    frame = pd.DataFrame({"digit": range(len(values)), "probability": values})
    frame["best"] = frame["probability"] == max(values)
    return frame


def probability_chart(frame: pd.DataFrame, height: int = 220) -> alt.Chart:
    """The ten class probabilities as bars on a [0, 1] axis, the winner highlighted."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("digit:O", title="digit", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("probability:Q", title="probability", scale=alt.Scale(domain=[0, 1])),
            color=alt.condition("datum.best", alt.value(CURVE_COLORS[VALIDATION]), alt.value("#9bb7d4")),
            tooltip=["digit:O", alt.Tooltip("probability:Q", format=".2%")],
        )
        .properties(height=height)
    )


@functools.lru_cache(maxsize=8)
def _probability_spec_json(height: int) -> str:
    return json.dumps(vega_lite_spec(probability_chart(probability_frame([0.1] * 10), height)))


def probability_figure(
    probabilities: tuple[float, ...] | list[float], height: int = 220
) -> tuple[pd.DataFrame, dict]:
    """`probability_chart` as (frame, cached spec), for the chart redrawn after every stroke."""
    return probability_frame(probabilities), json.loads(_probability_spec_json(height))
