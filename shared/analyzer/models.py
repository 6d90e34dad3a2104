"""Orchestration payloads of the SQL Analyzer: what the trigger, the orchestrator and the activities pass around.

They travel through the task hub (input, history), so they carry references and counts, never a connection string
and never the findings themselves (those are persisted by the activity that produced them, which keeps history
small however many findings a database has). Orchestrators pass them as plain dicts (`to_json()`) so history is
readable JSON and no class path is baked into it: the idiom of `shared/payload.py`, shared with the Policy Enforcer;
the types whose JSON is not a flat copy of their fields (options without empty lists, the flattened connection
reference) override `to_json`/`from_json`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.payload import Payload, json_object
from shared.status import ACTIVE_STATUSES, JobStatus  # noqa: F401 - ACTIVE_STATUSES re-exported

STATUSES = tuple(s.value for s in JobStatus)
CANCEL_EVENT = "cancel"
# Raised to an orchestration waiting in line when a slot was granted to it (`service.wake`; `admission`).
ADMITTED_EVENT = "admission-granted"


@dataclass(frozen=True)
class AnalysisOptions(Payload):
    checks: list[str] = field(default_factory=list)
    exclude_checks: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    timeout_seconds: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.checks:
            body["checks"] = list(self.checks)
        if self.exclude_checks:
            body["excludeChecks"] = list(self.exclude_checks)
        if self.schemas:
            body["schemas"] = list(self.schemas)
        if self.timeout_seconds is not None:
            body["timeoutSeconds"] = self.timeout_seconds
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | None) -> "AnalysisOptions":
        data = json_object(data)
        return cls(list(data.get("checks") or []), list(data.get("excludeChecks") or []),
                   list(data.get("schemas") or []), data.get("timeoutSeconds"))


@dataclass(frozen=True)
class ConnectionRef(Payload):
    """Which connection an activity must open: an encrypted secret or a named app setting (exactly one)."""

    secret_ref: str | None = None
    connection_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"secretRef": self.secret_ref} if self.secret_ref else {"connectionName": self.connection_name}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | None) -> "ConnectionRef":
        data = json_object(data)
        return cls(data.get("secretRef"), data.get("connectionName"))


@dataclass(frozen=True)
class AnalysisInput(Payload):
    """The orchestration input (instance id = job id)."""

    job_id: str
    analysis_type: str
    connection: ConnectionRef
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    priority: str = "normal"

    def to_json(self) -> dict[str, Any]:
        body = {"jobId": self.job_id, "analysisType": self.analysis_type, **self.connection.to_json(),
                "options": self.options.to_json()}
        if self.priority != "normal":
            body["priority"] = self.priority
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | None) -> "AnalysisInput":
        data = json_object(data)
        return cls(data["jobId"], data["analysisType"], ConnectionRef.from_json(data),
                   AnalysisOptions.from_json(data.get("options")), str(data.get("priority") or "normal"))


@dataclass(frozen=True)
class Plan(Payload):
    """What `analysis_plan` decided: the batches to run and how many may run at once (settings are read there)."""

    ok: bool
    error: str | None = None
    batches: list[list[str]] = field(default_factory=list)
    checks_total: int = 0
    checks_done: int = 0  # skipped while planning (version / scale guards), already recorded
    max_parallel: int = 2
    timeout_seconds: int = 30
    waiting: str | None = None  # not admitted yet: "waiting for <server> (n ahead)"; ask again after a timer
    ahead: int = 0  # jobs waiting in front (0: next in line), for the orchestrator's poll interval

    @classmethod
    def failed(cls, error: str) -> "Plan":
        return cls(False, error)


@dataclass(frozen=True)
class BatchInput(Payload):
    """One batch of checks. The user's schema filter is not repeated here: the activity reads it from the job row
    (the request's one stored copy), so history does not grow with batches × the request's lists."""

    job_id: str
    index: int
    check_ids: list[str]
    connection: ConnectionRef
    timeout_seconds: int = 30

    def to_json(self) -> dict[str, Any]:
        return {"jobId": self.job_id, "index": self.index, "checkIds": self.check_ids,
                **self.connection.to_json(), "timeoutSeconds": self.timeout_seconds}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | None) -> "BatchInput":
        data = json_object(data)
        return cls(data["jobId"], data["index"], list(data["checkIds"]), ConnectionRef.from_json(data),
                   data.get("timeoutSeconds", 30))


@dataclass(frozen=True)
class BatchResult(Payload):
    """Counts only: the findings were persisted by the activity."""

    ok: bool
    error: str | None = None
    completed: int = 0
    findings: int = 0
    skipped: int = 0
    reconnects: int = 0  # new sessions opened after the connection was lost mid-batch
    lost: int = 0        # checks still lost to connection errors after the last attempt


@dataclass(frozen=True)
class FinalizeInput(Payload):
    job_id: str
    error: str | None = None


@dataclass(frozen=True)
class Progress(Payload):
    """The orchestration's custom status: the real-time progress channel."""

    progress_percentage: int
    current_step: str
    checks_completed: int
    checks_total: int

    @classmethod
    def of(cls, step: str, completed: int, total: int) -> "Progress":
        percentage = 0 if total <= 0 else min(100, int(completed * 100 / total))
        return cls(percentage, step, completed, total)
