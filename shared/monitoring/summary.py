"""One job = one durable instance (the engine's truth: exists, runtime status, times, custom status, output) joined
with its product row (the business truth: a completed orchestration may be a Failed analysis, a terminated one a
Canceled analysis). Either side may be missing: the local engine forgets instances on restart while the row stays;
a row may not be written yet while the instance already runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shared.monitoring.catalog import ACTIVE, BY_TYPE, FINISHED, JobType
from shared.monitoring.records import ProductRecord
from shared.monitoring.redaction import redact_error


def parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class JobSummary:
    id: str
    type: str
    name: str
    status: str
    runtime_status: str | None     # the engine's view; None when the instance is unknown to the engine
    created_at: datetime | None
    last_updated_at: datetime | None
    completed_at: datetime | None
    duration_seconds: float | None
    progress: dict[str, Any] | None
    error: str | None
    attempt: int
    scan_id: str | None = None
    started_at: datetime | None = None   # when the job left the line and began its work (None: not yet)
    waiting_seconds: float | None = None
    running_seconds: float | None = None
    priority: str = "normal"
    schedule_id: str | None = None

    @property
    def job_type(self) -> JobType:
        return BY_TYPE[self.type]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def retryable(self) -> bool:
        """What the products accept: a Completed analysis is not run again (its report stands)."""
        return self.finished and not (self.type == "analysis" and self.status == "Completed")

    def to_json(self, base: str) -> dict[str, Any]:
        job = self.job_type
        status_path = job.status_path.replace("{id}", self.id).replace("{scanId}", self.scan_id or self.id)
        links = {"self": f"{base}/api/v1/jobs/{self.id}", "status": f"{base}{status_path}"}
        if self.type == "analysis":
            links["report"] = f"{base}/api/v1/analysis/{self.id}/report"
        if self.retryable:
            links["retry"] = f"{base}/api/v1/jobs/{self.id}/retry"
        return {"id": self.id, "type": self.type, "product": job.product, "name": self.name, "status": self.status,
                "runtimeStatus": self.runtime_status, "createdAt": _iso(self.created_at),
                "lastUpdatedAt": _iso(self.last_updated_at), "completedAt": _iso(self.completed_at),
                "durationSeconds": self.duration_seconds, "progress": self.progress, "error": self.error,
                "attempt": self.attempt, "retryable": self.retryable, "statusUrl": links["status"], "links": links,
                "priority": self.priority, "scheduleId": self.schedule_id, "startedAt": _iso(self.started_at),
                "waitingSeconds": self.waiting_seconds, "runningSeconds": self.running_seconds}


def _job_status(instance: dict[str, Any] | None, record: ProductRecord | None) -> str:
    if record is not None:
        return record.status
    assert instance is not None
    runtime = instance.get("runtimeStatus") or "Pending"
    output = instance.get("output")
    if runtime == "Completed" and isinstance(output, dict) and output.get("status") in FINISHED:
        return str(output["status"])   # the orchestration ended normally, reporting the job's own outcome
    return "Running" if runtime == "ContinuedAsNew" else runtime


def _error(instance: dict[str, Any] | None, record: ProductRecord | None, status: str) -> str | None:
    if record is not None and record.error:
        return redact_error(record.error)
    if instance is None or status in ("Completed", *ACTIVE):
        return None
    output, custom = instance.get("output"), instance.get("customStatus")
    if instance.get("runtimeStatus") == "Failed" and isinstance(output, str):
        return redact_error(output)
    for source in (output, custom):
        if isinstance(source, dict) and source.get("error"):
            return redact_error(source["error"])
    if instance.get("runtimeStatus") == "Terminated" and isinstance(output, str):
        return redact_error(f"terminated: {output}")
    return None


def progress_of(job_type: JobType, custom: Any, record: ProductRecord | None,
                status: str) -> dict[str, Any] | None:
    """A common shape over the products' progress channels (analysis checks, scanned repositories, act items),
    read with the keys the job type declares (`catalog.ProgressKeys`)."""
    step = completed = total = percentage = None
    if isinstance(custom, dict):
        keys = job_type.progress
        step = custom.get(keys.step)
        completed, total = custom.get(keys.done), custom.get(keys.total)
        percentage = custom.get("progressPercentage")
    if record is not None:
        if completed is None or (record.completed or 0) > (completed or 0):
            completed = record.completed
        total = total if total else record.total
        step = step or record.step
    if step is None and completed is None and total is None:
        return None
    if status == "Completed":
        percentage = 100
    elif percentage is None and isinstance(total, int) and total > 0 and isinstance(completed, int):
        percentage = min(99 if status in ACTIVE else 100, completed * 100 // total)
    return {"percentage": percentage, "step": step, "completed": completed, "total": total}


def summarize(job_type: JobType, instance: dict[str, Any] | None, record: ProductRecord | None,
              now: datetime) -> JobSummary:
    """`instance` is a durable status payload (`instanceId`, `name`, `runtimeStatus`, `createdTime`,
    `lastUpdatedTime`, `customStatus`, `output`); `record` the product's row; at least one is given."""
    if instance is None and record is None:
        raise ValueError("a job needs an instance or a product record")
    job_id = record.id if record is not None else str((instance or {})["instanceId"])
    status = _job_status(instance, record)
    created = parse_time(record.created_at if record else None) or parse_time((instance or {}).get("createdTime"))
    instance_updated = parse_time((instance or {}).get("lastUpdatedTime"))
    record_updated = parse_time(record.completed_at or record.updated_at) if record else None
    updated = max((t for t in (instance_updated, record_updated) if t), default=created)
    started = parse_time(record.started_at) if record and record.started_at else created
    completed_at = None
    if status in FINISHED:
        completed_at = (parse_time(record.completed_at) if record else None) or instance_updated or updated
    end = completed_at if status in FINISHED else now
    duration = round(max(0.0, (end - started).total_seconds()), 3) if started and end else None
    runtime = (instance or {}).get("runtimeStatus") if instance else None
    name = record.name if record else f"{job_type.type} {job_id}"
    waiting, running, began = _waiting_and_running(record, created, completed_at, now)
    return JobSummary(
        id=job_id, type=job_type.type, name=name, status=status, runtime_status=runtime, created_at=created,
        last_updated_at=updated, completed_at=completed_at, duration_seconds=duration,
        progress=progress_of(job_type, (instance or {}).get("customStatus"), record, status),
        error=_error(instance, record, status), attempt=record.attempt if record else 1,
        scan_id=record.scan_id if record else (job_id.split(":act", 1)[0] if job_type.type == "act" else None),
        started_at=began, waiting_seconds=waiting, running_seconds=running,
        priority=record.priority if record else "normal", schedule_id=record.schedule_id if record else None)


def _waiting_and_running(record: ProductRecord | None, created: datetime | None, completed_at: datetime | None,
                         now: datetime) -> tuple[float | None, float | None, datetime | None]:
    """Time in line apart from time at work, from the stored timestamps (as the analysis status resource computes
    them): waiting = started (or, for a job that ended without starting, ended; or now) − created; running = ended
    (or now) − started, 0 before it started. An instance without a product row has no line: it ran from creation."""
    began = parse_time(record.started_at) if record is not None else created
    if created is None:
        return None, None, began
    end = completed_at or now
    waiting = round(max(0.0, ((began or end) - created).total_seconds()), 3)
    running = round(max(0.0, (end - began).total_seconds()), 3) if began else 0.0
    return waiting, running, began
