"""Dashboard statistics helpers: what Hangfire's header and history charts showed (counts by state, succeeded/failed
recently, how long jobs take) is counted in SQL (`store.py`, `service.py`); the windows and the percentile are here."""
from __future__ import annotations

import math
from datetime import timedelta

WINDOWS = {"last24h": timedelta(hours=24), "last7d": timedelta(days=7)}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: an observed duration, never an interpolated one."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
