"""The browser benchmarks run end to end on a tiny configuration and print their JSON summary line."""

from __future__ import annotations

import pytest

from tests.processes import run_bench

pytestmark = pytest.mark.browser

TINY_QUERY = "preset=fast-cnn&epochs=1&train_size=500"


def test_startup_bench_prints_its_summary(needs_browser):
    _, result = run_bench("startup", "--runs", "1", timeout=300)
    assert result["bench"] == "startup" and len(result["runs"]) == 1
    assert 0 < result["median_home_s"] <= result["median_draw_s"]


def test_load_test_bench_runs_two_sessions(needs_browser):
    arguments = ["--sessions", "2", "--digits", "1", "--train-query", TINY_QUERY, "--timeout", "240"]
    _, result = run_bench("load_test", *arguments, timeout=300)
    assert result["bench"] == "load_test" and result["sessions_finished"] == 2, result["error_list"]
    assert result["trainings_finished"] == 1 and result["isolation_ok"]
    assert result["latency_ms"]["n"] >= 2 and result["rss_peak_mb"]["rss"] > 0


def test_memory_bench_measures_a_trained_session(needs_browser):
    _, result = run_bench("memory", "--trained", "1", "--train-query", TINY_QUERY, timeout=300)
    assert result["bench"] == "memory" and len(result["per_trained_session_mb"]) == 1
    assert result["idle_mb"]["rss"] > result["steps"][0]["rss"]
