"""An analysis job as it leaves the store: a frozen record, not a row dict.

Field names are the `analysis_jobs` column names, so the store maps a row with one call and the report builder
(which reads the same names) takes `dataclasses.asdict(job)`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.analyzer.models import AnalysisOptions, Progress
from shared.status import ACTIVE_STATUSES, JobStatus


@dataclass(frozen=True)
class AnalysisJob:
    job_id: str
    status: JobStatus
    analysis_type: str
    engine: str
    target: str
    connection_name: str | None
    secret_ref: str | None
    options_json: str
    source: str
    attempt: int
    created_at: str
    updated_at: str
    started_at: str | None
    completed_at: str | None
    checks_total: int
    checks_completed: int
    current_step: str
    server_json: str | None
    error: str | None
    reconnects: int = 0               # new sessions its batches opened after a lost target connection
    partial_reason: str | None = None  # a Completed job some of whose checks were lost to connection errors

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AnalysisJob:
        return cls(job_id=row["job_id"], status=JobStatus(row["status"]), analysis_type=row["analysis_type"],
                   engine=row["engine"], target=row["target"], connection_name=row["connection_name"],
                   secret_ref=row["secret_ref"], options_json=row["options_json"], source=row["source"],
                   attempt=int(row["attempt"] or 1), created_at=row["created_at"], updated_at=row["updated_at"],
                   started_at=row["started_at"], completed_at=row["completed_at"],
                   checks_total=int(row["checks_total"] or 0), checks_completed=int(row["checks_completed"] or 0),
                   current_step=row["current_step"], server_json=row["server_json"], error=row["error"],
                   reconnects=int(row.get("reconnects") or 0), partial_reason=row.get("partial_reason"))

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def options(self) -> AnalysisOptions:
        return AnalysisOptions.from_json(json.loads(self.options_json or "{}"))

    @property
    def server(self) -> dict[str, Any]:
        return dict(json.loads(self.server_json or "{}"))


@dataclass(frozen=True)
class JobView:
    """A job as the status resource shows it: the row, plus the orchestration's custom status while it runs
    (fresher than the row between two recorded batches)."""

    job: AnalysisJob
    live: Progress | None = None

    @property
    def status(self) -> JobStatus:
        return self.job.status

    def fingerprint(self) -> tuple[Any, ...]:
        """What a long-poll waits to change."""
        body = self.to_json()
        return body["status"], body["checksCompleted"], body["currentStep"], body["checksTotal"]

    def to_json(self) -> dict[str, Any]:
        job = self.job
        total, done, step = job.checks_total, job.checks_completed, job.current_step
        if self.live is not None and job.active:
            total = self.live.checks_total or total
            done = max(done, self.live.checks_completed)
            step = self.live.current_step or step
        if job.status == JobStatus.COMPLETED:
            percentage = 100
        else:
            percentage = 0 if total <= 0 else min(99 if job.active else 100, done * 100 // total)
        return {"jobId": job.job_id, "status": job.status.value, "progressPercentage": percentage,
                "currentStep": step, "checksCompleted": done, "checksTotal": total,
                "analysisType": job.analysis_type, "engine": job.engine, "target": job.target,
                "source": job.source, "attempt": job.attempt,
                "createdAt": job.created_at, "updatedAt": job.updated_at, "startedAt": job.started_at,
                "completedAt": job.completed_at, "error": job.error,
                "partial": job.partial_reason is not None, "partialReason": job.partial_reason,
                "reconnects": job.reconnects}


def live_progress(custom_status: Any) -> Progress | None:
    """The orchestration's custom status as `Progress`; None when it has not published one (yet)."""
    if not isinstance(custom_status, dict):
        return None
    return Progress(int(custom_status.get("progressPercentage") or 0), str(custom_status.get("currentStep") or ""),
                    int(custom_status.get("checksCompleted") or 0), int(custom_status.get("checksTotal") or 0))
