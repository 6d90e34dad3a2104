"""Schedules as data: the record, its enums, and the validation of `PUT /api/v1/schedules/{id}` bodies.

A schedule is Hangfire's `RecurringJob.AddOrUpdate(id, job, cron, new RecurringJobOptions { TimeZone })` as a row:
the caller names it (the id makes PUT an idempotent upsert), says what to run (`kind` + `request`), when (`cron` in
`timeZone`), what to do when the previous run is still going (`overlap`), and whom to tell about what
(`recipients`, `notifyOn`). Validation reports every bad field at once and touches nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.api.problems import FieldError, Problem, invalid
from shared.schedules.cron import CronSpec, ScheduleError, parse_cron, parse_zone

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
BUILTIN_DAILY_SCAN = "daily-scan"
MAX_RECIPIENTS = 50


class Kind(StrEnum):
    ANALYSIS = "analysis"
    POLICY_SCAN = "policy-scan"


class Overlap(StrEnum):
    """What a due occurrence does while the schedule's previous job is still active."""

    SKIP = "skip"            # the occurrence is recorded as skipped (Hangfire's DisableConcurrentExecution)
    QUEUE_ONE = "queue-one"  # one run waits and starts when the previous ends; further occurrences fold into it


class RunStatus(StrEnum):
    STARTED = "Started"      # a job exists; its outcome is read from the job itself
    SKIPPED = "Skipped"      # overlap=skip and the previous job was active
    QUEUED = "Queued"        # overlap=queue-one: waiting for the previous job
    FAILED = "Failed"        # the job could not be started, or ended Failed/Canceled
    COMPLETED = "Completed"
    CANCELED = "Canceled"    # the job was canceled by a person: no failure notification



# notifyOn conditions per kind; `score-drop:N` takes the number of points.
NOTIFY_CONDITIONS: dict[Kind, tuple[str, ...]] = {
    Kind.ANALYSIS: ("failure", "success", "new-critical", "new-high", "score-drop:N"),
    Kind.POLICY_SCAN: ("failure", "success", "new-violations"),
}
_SCORE_DROP = re.compile(r"^score-drop:([1-9][0-9]?|100)$")

BODY_FIELDS = ("kind", "cron", "timeZone", "enabled", "overlap", "request", "recipients", "notifyOn")
SCAN_REQUEST_FIELDS = ("dryRun", "repositories", "policies")


@dataclass(frozen=True)
class Schedule:
    schedule_id: str
    kind: Kind
    cron: str
    time_zone: str
    enabled: bool
    overlap: Overlap
    request: dict[str, Any]
    recipients: list[str] = field(default_factory=list)
    notify_on: list[str] = field(default_factory=list)
    origin: str = "api"

    @property
    def spec(self) -> CronSpec:
        return parse_cron(self.cron, parse_zone(self.time_zone))

    def notifies(self, condition: str) -> bool:
        return condition in self.notify_on


def parse_schedule(schedule_id: str, body: Any) -> Schedule:
    """Validate a PUT body; `Problem` 400 lists every invalid field (`request.*` for the job's own fields)."""
    if not isinstance(body, dict):
        raise invalid([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    if not ID_PATTERN.match(schedule_id):
        errors.append(FieldError("id", "1-80 letters, digits, '.', '_' or '-', starting with a letter or digit"))
    for key in body:
        if key not in BODY_FIELDS:
            errors.append(FieldError(key, f"unknown field; allowed: {', '.join(BODY_FIELDS)}"))
    kind: Kind | None
    try:
        kind = Kind(str(body.get("kind")))
    except ValueError:
        errors.append(FieldError("kind", f"must be one of {', '.join(k.value for k in Kind)}"))
        kind = None
    cron = body.get("cron")
    zone_name = body.get("timeZone", "UTC")
    try:
        zone = parse_zone(zone_name)
        spec: CronSpec | None = parse_cron(cron, zone)
    except ScheduleError as exc:
        errors.append(FieldError(exc.field, exc.message))
        spec = None
        if exc.field == "timeZone":  # the cron may still be wrong too: say so in the same answer
            try:
                parse_cron(cron, parse_zone("UTC"))
            except ScheduleError as cron_exc:
                errors.append(FieldError(cron_exc.field, cron_exc.message))
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        errors.append(FieldError("enabled", "must be true or false"))
    try:
        overlap = Overlap(body.get("overlap", Overlap.SKIP.value))
    except ValueError:
        errors.append(FieldError("overlap", f"must be one of {', '.join(o.value for o in Overlap)}"))
        overlap = Overlap.SKIP
    recipients = _recipients(body.get("recipients", []), errors)
    notify_on = _notify_on(body.get("notifyOn", ["failure"]), kind, errors)
    request = _request(kind, body.get("request", {}), errors)
    if errors or kind is None or spec is None:
        raise invalid(errors)
    return Schedule(schedule_id, kind, spec.expression, spec.time_zone, bool(enabled), overlap, request,
                    recipients, notify_on)


def _recipients(value: Any, errors: list[FieldError]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError("recipients", "must be a list of e-mail addresses"))
        return []
    if len(value) > MAX_RECIPIENTS:
        errors.append(FieldError("recipients", f"at most {MAX_RECIPIENTS} addresses"))
        return []
    bad = [v for v in value if not EMAIL_PATTERN.match(v.strip())]
    if bad:
        errors.append(FieldError("recipients", f"not an e-mail address: {bad[0][:80]!r}"))
        return []
    return sorted({v.strip() for v in value})


def _notify_on(value: Any, kind: Kind | None, errors: list[FieldError]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError("notifyOn", "must be a list of conditions"))
        return []
    allowed = NOTIFY_CONDITIONS.get(kind, ()) if kind else tuple({c for cs in NOTIFY_CONDITIONS.values() for c in cs})
    for condition in value:
        ok = condition in allowed or ("score-drop:N" in allowed and _SCORE_DROP.match(condition))
        if not ok:
            errors.append(FieldError("notifyOn", f"unknown condition {condition[:40]!r} for kind "
                                                 f"{kind.value if kind else '?'}; allowed: {', '.join(allowed)}"))
            return []
    return sorted(set(value))


def score_drop_threshold(notify_on: list[str]) -> int | None:
    for condition in notify_on:
        match = _SCORE_DROP.match(condition)
        if match:
            return int(match.group(1))
    return None


def _request(kind: Kind | None, value: Any, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.append(FieldError("request", "must be a JSON object"))
        return {}
    if kind is Kind.ANALYSIS:
        # Schedules are stored in plain text, so they take a named connection only (like queue messages).
        from shared.analyzer.requests import parse_start_request

        try:
            parse_start_request(value, from_queue=True)
        except Problem as problem:
            errors.extend(FieldError(f"request.{e.field}", e.message) for e in problem.errors)
        return dict(value)
    if kind is Kind.POLICY_SCAN:
        return _scan_request(value, errors)
    return {}


def _scan_request(value: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    for key in value:
        if key not in SCAN_REQUEST_FIELDS:
            errors.append(FieldError(f"request.{key}", f"unknown field; allowed: {', '.join(SCAN_REQUEST_FIELDS)}"))
    dry_run = value.get("dryRun", False)
    if not isinstance(dry_run, bool):
        errors.append(FieldError("request.dryRun", "must be true or false"))
    out: dict[str, Any] = {"dryRun": dry_run is True}
    for name in ("repositories", "policies"):
        items = value.get(name, [])
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            errors.append(FieldError(f"request.{name}", "must be a list of non-empty strings"))
            items = []
        out[name] = [v.strip() for v in items]
    return out
