"""Nearest-rank p95 of the statistics (the counts and windows run in SQL: tests/storage/test_monitoring_store.py)."""
from __future__ import annotations

import pytest

from shared.monitoring.stats import percentile


@pytest.mark.parametrize("values, fraction, expected", [
    ([], 0.95, None), ([4.0], 0.95, 4.0), ([float(i) for i in range(1, 21)], 0.95, 19.0),
    ([float(i) for i in range(1, 101)], 0.95, 95.0), ([3.0, 1.0, 2.0], 0.5, 2.0),
])
def test_percentile_is_nearest_rank(values: list[float], fraction: float, expected: float | None) -> None:
    assert percentile(values, fraction) == expected
