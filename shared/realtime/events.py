"""The events pushed to SignalR clients: names and payloads, one builder per product.

Payloads reuse the HTTP API's shapes so a client needs one model: `AnalysisProgress` is exactly the body of
`GET /api/v1/analysis/status/{jobId}` (the old frontend reads `progressPercentage` and `currentStep` from it), and
`JobChanged` exactly an item of `GET /api/v1/jobs`. Each event is documented in the OpenAPI document
(`shared/api/openapi/realtime.yaml`, schemas marked `x-signalr-event`) and checked against it in the tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shared.analyzer.jobs import status_json
from shared.analyzer.records import AnalysisJob
from shared.monitoring.catalog import BY_TYPE
from shared.monitoring.records import ProductRecord
from shared.monitoring.summary import summarize
from shared.policies.records import Scan

DASHBOARD_GROUP = "dashboard"
_RANK = {"Pending": 0, "Running": 1}   # any other status is final and ranks 2


class EventTarget(StrEnum):
    ANALYSIS_PROGRESS = "AnalysisProgress"
    SCAN_PROGRESS = "ScanProgress"
    ACT_PROGRESS = "ActProgress"
    JOB_CHANGED = "JobChanged"


def job_group(job_id: str) -> str:
    """One group per job: a client sees a job's events only once the app put it (or its user) in that group."""
    return f"job.{job_id}"


@dataclass(frozen=True)
class RealtimeEvent:
    target: EventTarget
    group: str
    subject: str                 # the job it is about: the publisher keeps per subject only the newest event
    order: tuple[int, int, int]  # (attempt, status rank, units done): an older state is never sent after a newer
    payload: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str]:
        return self.target.value, self.group, self.subject

    def message(self) -> dict[str, Any]:
        """The data-plane REST body; the service turns it into a hub invocation `{type: 1, target, arguments}`."""
        return {"target": self.target.value, "arguments": [self.payload]}


def _order(attempt: int, status: str, done: int) -> tuple[int, int, int]:
    return attempt, _RANK.get(status, 2), done


def job_changed(record: ProductRecord, now: datetime | None = None) -> RealtimeEvent:
    """The dashboard's view of any job; links are relative to the app (an activity does not know its host name)."""
    summary = summarize(BY_TYPE[record.type], None, record, now or datetime.now(UTC))
    return RealtimeEvent(EventTarget.JOB_CHANGED, DASHBOARD_GROUP, record.id,
                         _order(record.attempt, record.status, record.completed or 0), summary.to_json(""))


def analysis_events(job: AnalysisJob, record: ProductRecord | None) -> list[RealtimeEvent]:
    """What an analysis job's change pushes: its progress to its own group, its summary (`record`, monitoring's
    view of the same row) to the dashboard."""
    status = status_json(job)
    progress = RealtimeEvent(EventTarget.ANALYSIS_PROGRESS, job_group(status["jobId"]), status["jobId"],
                             _order(status["attempt"], str(status["status"]), status["checksCompleted"]), status)
    return [progress] + ([job_changed(record)] if record is not None else [])


def scan_events(scan: Scan, record: ProductRecord | None) -> list[RealtimeEvent]:
    """A Policy Enforcer scan: phase, repositories scanned of total, violations so far."""
    status = str(scan.status)
    total = scan.repositories_total
    if status in _RANK:
        phase = "listing repositories" if total is None else "evaluating policies"
    else:
        phase = status.lower()
    scanned = int(scan.repositories_scanned or 0)
    payload = {"scanId": scan.scan_id, "status": status, "phase": phase, "repositoriesScanned": scanned,
               "repositoriesTotal": int(total) if total is not None else None,
               "violations": int(scan.violations_found or 0), "dryRun": bool(scan.dry_run),
               "startedAt": scan.started_at, "completedAt": scan.completed_at, "error": scan.error}
    progress = RealtimeEvent(EventTarget.SCAN_PROGRESS, job_group(scan.scan_id), scan.scan_id,
                             _order(1, status, scanned), payload)
    return [progress] + ([job_changed(record)] if record is not None else [])


def act_events(run: ProductRecord, items_total: int, by_outcome: dict[str, int]) -> list[RealtimeEvent]:
    """An act run (its `policy_act_runs` row) with the scan's action log counted by outcome (created, commented,
    archived, logged, skipped, failed, ...): what a console shows while issues are opened and repositories archived.
    Subscribed to with the scan id (`?jobId=<scanId>`), like the scan itself."""
    done = sum(by_outcome.values())
    scan_id = run.scan_id or run.id.split(":act", 1)[0]
    payload = {"actId": run.id, "scanId": scan_id, "attempt": run.attempt, "status": run.status,
               "itemsTotal": items_total, "actionsLogged": done, "byOutcome": dict(by_outcome),
               "startedAt": run.started_at, "completedAt": run.completed_at, "error": run.error}
    progress = RealtimeEvent(EventTarget.ACT_PROGRESS, job_group(scan_id), run.id,
                             _order(run.attempt, run.status, done), payload)
    return [progress, job_changed(run)]
