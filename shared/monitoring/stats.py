"""Dashboard statistics over job summaries: what Hangfire's header and history charts showed (counts by state,
succeeded/failed recently, how long jobs take)."""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from shared.monitoring.catalog import JOB_STATUSES, JOB_TYPES
from shared.monitoring.summary import JobSummary

WINDOWS = {"last24h": timedelta(hours=24), "last7d": timedelta(days=7)}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: an observed duration, never an interpolated one."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def job_stats(jobs: Iterable[JobSummary], now: datetime) -> dict[str, Any]:
    jobs = list(jobs)
    by_status = dict.fromkeys(JOB_STATUSES, 0)
    by_type: dict[str, dict[str, int]] = {t.type: {} for t in JOB_TYPES}
    recent = {w: {"succeeded": 0, "failed": 0} for w in WINDOWS}
    durations: dict[str, list[float]] = {t.type: [] for t in JOB_TYPES}
    for job in jobs:
        by_status[job.status] = by_status.get(job.status, 0) + 1
        by_type[job.type][job.status] = by_type[job.type].get(job.status, 0) + 1
        if job.status in ("Completed", "Failed") and job.duration_seconds is not None:
            durations[job.type].append(job.duration_seconds)
        if job.completed_at is None:
            continue
        for window, span in WINDOWS.items():
            if job.completed_at >= now - span:
                if job.status == "Completed":
                    recent[window]["succeeded"] += 1
                elif job.status in ("Failed", "Terminated"):
                    recent[window]["failed"] += 1
    return {
        "total": len(jobs),
        "byStatus": by_status,
        "byType": by_type,
        **recent,
        "durations": {kind: {"count": len(values),
                             "averageSeconds": round(sum(values) / len(values), 3) if values else None,
                             "p95Seconds": percentile(values, 0.95)}
                      for kind, values in durations.items()},
    }
