"""`ProductRecord`: the product-level facts monitoring joins to a durable instance.

Each product keeps its own table (`analysis_jobs`, `policy_scans`, `policy_act_runs`); `store.py` selects each into
this one shape, and is the only place that knows their column names.
"""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PRIORITY = "normal"  # scans and act runs have no priority of their own; an analysis without one is normal


@dataclass(frozen=True)
class ProductRecord:
    id: str
    type: str
    name: str
    status: str
    created_at: str | None
    updated_at: str | None
    started_at: str | None
    completed_at: str | None
    error: str | None
    attempt: int = 1
    completed: int | None = None   # units of work done (checks, repositories, action items)
    total: int | None = None
    step: str | None = None
    scan_id: str | None = None     # act runs: the scan they act for
    priority: str = DEFAULT_PRIORITY
    schedule_id: str | None = None  # the schedule whose run started the job (an act run: its scan's)
