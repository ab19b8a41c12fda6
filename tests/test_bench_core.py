"""The core benchmark scripts run on a tiny configuration and print their figures.

No timing is asserted (machines are noisy); only that each script runs end
to end, prints its per-run lines and a final JSON line with the figures.
"""

import pytest

from tests.processes import run_bench


@pytest.mark.slow
def test_time_to_99_prints_epochs_and_ratio(tiny_npz):
    lines, figures = run_bench(
        "time_to_99",
        "--train-size",
        "300",
        "--fast-epochs",
        "1",
        "--baseline-epochs",
        "1",
        env={"MNIST_NPZ": str(tiny_npz)},
    )

    assert any("fast-cnn epoch  1" in line for line in lines)
    assert any("seed-cnn-dropout epoch  1" in line for line in lines)
    assert figures["fast"] == "fast-cnn" and figures["baseline"] == "seed-cnn-dropout"
    assert figures["repeats"] == 1 and 0.0 <= figures["fast_final_accuracy"] <= 1.0
    # 300 training digits cannot reach 99%: the script must say so, not invent a ratio.
    assert figures["median_ratio"] is None and figures["runs"][0]["fast_s"] is None


@pytest.mark.slow
def test_train_speed_prints_both_rates_and_ratio(tiny_npz):
    lines, figures = run_bench(
        "train_speed",
        "--train-size",
        "300",
        "--epochs",
        "1",
        "--repeats",
        "1",
        env={"MNIST_NPZ": str(tiny_npz)},
    )

    assert any("plain_fit" in line for line in lines) and any("training_job" in line for line in lines)
    assert figures["plain_fit"] > 0 and figures["training_job"] > 0
    assert figures["ratio"] == pytest.approx(figures["training_job"] / figures["plain_fit"])


@pytest.mark.slow
def test_predict_latency_prints_percentiles(tiny_npz):
    lines, figures = run_bench("predict_latency", "--count", "12", env={"MNIST_NPZ": str(tiny_npz)})

    for name in ("preprocess_only", "canvas_to_probabilities", "with_model_predict", "with_eager_call"):
        assert 0 < figures[name]["median_ms"] <= figures[name]["p95_ms"]
    assert figures["speedup_vs_model_predict"] > 0
    assert any("faster than the same path through model.predict" in line for line in lines)
