"""The job list: durable instances joined with product rows, filtered and ordered newest first."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from shared.monitoring.catalog import BY_TYPE, type_of_instance
from shared.monitoring.records import ProductRecord
from shared.monitoring.summary import JobSummary, parse_time, summarize

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def collect(instances: Iterable[dict[str, Any]], records: Iterable[ProductRecord], now: datetime,
            types: Iterable[str] | None = None) -> list[JobSummary]:
    """Every job of the wanted types; an instance that is not a job (a sub-orchestration, another app's
    orchestrator) is left out, and a row whose instance the engine no longer has is still listed."""
    wanted = set(types) if types is not None else set(BY_TYPE)
    by_id = {r.id: r for r in records if r.type in wanted}
    jobs: list[JobSummary] = []
    for instance in instances:
        instance_id = str(instance.get("instanceId") or "")
        job_type = type_of_instance(instance.get("name"), instance_id)
        if job_type is None or job_type.type not in wanted:
            continue
        jobs.append(summarize(job_type, instance, by_id.pop(instance_id, None), now))
    jobs += [summarize(BY_TYPE[r.type], None, r, now) for r in by_id.values()]
    return newest_first(jobs)


def newest_first(jobs: list[JobSummary]) -> list[JobSummary]:
    return sorted(jobs, key=lambda j: (j.created_at or _EPOCH, j.id), reverse=True)


def filter_status(jobs: list[JobSummary], status: str | None) -> list[JobSummary]:
    return jobs if status is None else [j for j in jobs if j.status == status]


def counts_by_type(jobs: Iterable[JobSummary]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for job in jobs:
        per_type = counts.setdefault(job.type, {})
        per_type[job.status] = per_type.get(job.status, 0) + 1
    return counts


def runtime_counts(instances: Iterable[dict[str, Any]], since: datetime) -> dict[str, int]:
    """The engine's view over every orchestration created since `since` (sub-orchestrations included)."""
    counts: dict[str, int] = {}
    for instance in instances:
        created = parse_time(instance.get("createdTime"))
        if created is not None and created < since:
            continue
        name = instance.get("runtimeStatus") or "Unknown"
        counts[name] = counts.get(name, 0) + 1
    return counts


def compact_history(events: list[dict[str, Any]] | None, limit: int = 100) -> dict[str, Any] | None:
    """The last `limit` history events as `{eventType, timestamp, functionName}`: enough to see where a job
    spent its time or failed, without outputs (which may be large)."""
    if events is None:
        return None
    rows = [{"eventType": e.get("EventType") or e.get("eventType"), "timestamp": e.get("Timestamp") or
             e.get("timestamp"), "functionName": e.get("FunctionName") or e.get("functionName")}
            for e in events if isinstance(e, dict)]
    return {"total": len(rows), "events": rows[-limit:]}
