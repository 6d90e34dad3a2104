"""A scan (with its act step) as it leaves the store: a frozen record, not a row dict."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.status import ACTIVE_STATUSES, JobStatus


@dataclass(frozen=True)
class Scan:
    scan_id: str
    status: JobStatus
    trigger_kind: str            # manual | schedule
    dry_run: bool
    request_json: str
    org: str
    created_at: str
    started_at: str | None
    completed_at: str | None
    repositories_total: int | None
    repositories_scanned: int
    violations_found: int
    error: str | None
    act_id: str | None
    act_status: JobStatus | None  # None: the act step was never requested
    act_attempt: int
    act_requested_at: str | None
    act_error: str | None
    warning: str | None = None  # some repositories could not be evaluated (GitHub kept failing)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Scan:
        return cls(scan_id=row["scan_id"], status=JobStatus(row["status"]), trigger_kind=row["trigger_kind"],
                   dry_run=bool(row["dry_run"]), request_json=row["request_json"] or "{}", org=row["org"],
                   created_at=row["created_at"], started_at=row["started_at"], completed_at=row["completed_at"],
                   repositories_total=None if row["repositories_total"] is None else int(row["repositories_total"]),
                   repositories_scanned=int(row["repositories_scanned"] or 0),
                   violations_found=int(row["violations_found"] or 0), error=row["error"], act_id=row["act_id"],
                   act_status=JobStatus(row["act_status"]) if row["act_status"] else None,
                   act_attempt=int(row["act_attempt"] or 0), act_requested_at=row["act_requested_at"],
                   act_error=row["act_error"], warning=row.get("warning"))

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def act_active(self) -> bool:
        return self.act_status in ACTIVE_STATUSES

    @property
    def repositories(self) -> list[str]:
        return list(json.loads(self.request_json).get("repositories") or [])

    @property
    def policies(self) -> list[str]:
        return list(json.loads(self.request_json).get("policies") or [])


@dataclass(frozen=True)
class ScanDetail:
    """A scan with the counts its status resource shows."""

    scan: Scan
    results: dict[str, int]
    actions: dict[str, int]

    def to_json(self, base: str) -> dict[str, Any]:
        scan = self.scan
        return {
            "scanId": scan.scan_id,
            "status": scan.status.value,
            "trigger": scan.trigger_kind,
            "dryRun": scan.dry_run,
            "startedAt": scan.started_at or scan.created_at,
            "completedAt": scan.completed_at,
            "repositoriesTotal": scan.repositories_total,
            "repositoriesScanned": scan.repositories_scanned,
            "violationsFound": scan.violations_found,
            "error": scan.error,
            "warning": scan.warning,
            "deliveries": json.loads(scan.request_json or "{}").get("deliveries", []),
            "results": self.results,
            "actions": {"actId": scan.act_id, "status": scan.act_status.value if scan.act_status else "NotStarted",
                        "attempt": scan.act_attempt, "error": scan.act_error, "counts": self.actions},
            "statusUrl": f"{base}/api/v1/scans/{scan.scan_id}",
        }


@dataclass(frozen=True)
class Violation:
    repository: str
    policy_id: str
    severity: str
    message: str
    action: str
    details: dict[str, Any]
    details_hash: str  # what the open issue was written for (a changed hash updates the issue)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Violation:
        return cls(row["repository"], row["policy_id"], row["severity"], row["message"], row["action"],
                   json.loads(row["details_json"]), row["details_hash"])

    def to_json(self) -> dict[str, Any]:
        return {"repository": self.repository, "policyId": self.policy_id, "severity": self.severity,
                "message": self.message, "action": self.action, "details": self.details}


@dataclass(frozen=True)
class ActionLogEntry:
    scan_id: str
    act_id: str
    repository: str
    policy_id: str
    action: str
    outcome: str
    http_status: int | None
    issue_number: int | None
    issue_url: str | None
    attempt: int
    message: str
    at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ActionLogEntry:
        return cls(row["scan_id"], row["act_id"], row["repository"], row["policy_id"], row["action"],
                   row["outcome"], row["http_status"], row["issue_number"], row["issue_url"], int(row["attempt"]),
                   row["message"], row["created_at"])

    def to_json(self) -> dict[str, Any]:
        return {"scanId": self.scan_id, "actId": self.act_id, "repository": self.repository,
                "policyId": self.policy_id, "action": self.action, "outcome": self.outcome,
                "httpStatus": self.http_status, "issueNumber": self.issue_number, "issueUrl": self.issue_url,
                "attempt": self.attempt, "message": self.message, "at": self.at}
