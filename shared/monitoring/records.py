"""Product rows → `ProductRecord`: the product-level facts monitoring joins to a durable instance.

Each product keeps its own table (`analysis_jobs`, `policy_scans`, `policy_act_runs`); these mappers are the only
place that knows their column names, so a product's schema change touches one function here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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


def analysis_record(row: dict[str, Any]) -> ProductRecord:
    return ProductRecord(
        id=row["job_id"], type="analysis",
        name=f"{row['analysis_type']} analysis of {row['engine']} {row['target']}",
        status=row["status"], created_at=row["created_at"], updated_at=row["updated_at"],
        started_at=row["started_at"], completed_at=row["completed_at"], error=row["error"],
        attempt=int(row["attempt"] or 1), completed=int(row["checks_completed"] or 0),
        total=int(row["checks_total"] or 0), step=row["current_step"])


def scan_record(row: dict[str, Any]) -> ProductRecord:
    dry = " (dry run)" if row.get("dry_run") else ""
    return ProductRecord(
        id=row["scan_id"], type="scan", name=f"{row['trigger_kind']} scan of {row['org']}{dry}",
        status=row["status"], created_at=row["created_at"], updated_at=row["completed_at"] or row["started_at"],
        started_at=row["started_at"], completed_at=row["completed_at"], error=row["error"],
        completed=int(row["repositories_scanned"] or 0),
        total=int(row["repositories_total"]) if row.get("repositories_total") is not None else None,
        step=None, scan_id=row["scan_id"])


def act_record(run: dict[str, Any]) -> ProductRecord:
    attempt = int(run["attempt"] or 1)
    return ProductRecord(
        id=run["act_id"], type="act", name=f"actions of {run['scan_id']} (attempt {attempt})",
        status=run["status"], created_at=run["started_at"], updated_at=run["completed_at"] or run["started_at"],
        started_at=run["started_at"], completed_at=run["completed_at"], error=run["error"], attempt=attempt,
        scan_id=run["scan_id"])
