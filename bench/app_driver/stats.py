"""Percentiles and summaries for the benchmarks' timings."""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> dict[str, float | int | None]:
    """Count, p50, p95 and max, rounded to 0.1."""

    def rounded(value):
        return None if value is None else round(value, 1)

    return {
        "n": len(values),
        "p50": rounded(percentile(values, 50)),
        "p95": rounded(percentile(values, 95)),
        "max": rounded(max(values) if values else None),
    }
