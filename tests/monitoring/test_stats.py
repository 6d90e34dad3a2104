"""Statistics over job summaries: counts, recent outcomes by completion time, nearest-rank p95."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.monitoring.records import ProductRecord
from shared.monitoring.stats import job_stats, percentile
from shared.monitoring.summary import summarize
from shared.monitoring.catalog import BY_TYPE

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)


def job(kind: str, status: str, seconds: float, ended_ago: timedelta | None) -> object:
    end = NOW - ended_ago if ended_ago is not None else None
    start = (end or NOW) - timedelta(seconds=seconds)
    record = ProductRecord(id=f"{kind}-{status}-{seconds}-{ended_ago}", type=kind, name="n", status=status,
                           created_at=start.isoformat(), updated_at=None, started_at=start.isoformat(),
                           completed_at=end.isoformat() if end else None, error=None)
    return summarize(BY_TYPE[kind], None, record, NOW)


@pytest.mark.parametrize("values, fraction, expected", [
    ([], 0.95, None), ([4.0], 0.95, 4.0), ([float(i) for i in range(1, 21)], 0.95, 19.0),
    ([float(i) for i in range(1, 101)], 0.95, 95.0), ([3.0, 1.0, 2.0], 0.5, 2.0),
])
def test_percentile_is_nearest_rank(values: list[float], fraction: float, expected: float | None) -> None:
    assert percentile(values, fraction) == expected


def test_counts_windows_and_durations() -> None:
    jobs = [job("analysis", "Completed", 10, timedelta(hours=1)),
            job("analysis", "Completed", 30, timedelta(days=2)),
            job("analysis", "Failed", 2, timedelta(hours=3)),
            job("analysis", "Failed", 4, timedelta(days=9)),     # outside both windows, still in durations
            job("analysis", "Canceled", 50, timedelta(hours=1)),  # neither succeeded nor failed; no duration
            job("scan", "Running", 5, None),
            job("act", "Completed", 1, timedelta(minutes=5))]
    stats = job_stats(jobs, NOW)
    assert stats["total"] == 7
    assert stats["byStatus"]["Completed"] == 3 and stats["byStatus"]["Failed"] == 2
    assert stats["byStatus"]["Running"] == 1 and stats["byStatus"]["Terminated"] == 0
    assert stats["byType"]["analysis"] == {"Completed": 2, "Failed": 2, "Canceled": 1}
    assert stats["last24h"] == {"succeeded": 2, "failed": 1}
    assert stats["last7d"] == {"succeeded": 3, "failed": 1}
    assert stats["durations"]["analysis"] == {"count": 4, "averageSeconds": 11.5, "p95Seconds": 30.0}
    assert stats["durations"]["scan"] == {"count": 0, "averageSeconds": None, "p95Seconds": None}


def test_no_jobs_gives_zeros_not_errors() -> None:
    stats = job_stats([], NOW)
    assert stats["total"] == 0 and stats["last24h"] == {"succeeded": 0, "failed": 0}
    assert set(stats["durations"]) == {"analysis", "scan", "act"}
