"""Schedule use cases: upsert, describe, the per-minute tick (fire due, settle ended runs, notify), trigger now.

Starting and reading jobs goes through `JobRunner`, a narrow Protocol the trigger layer implements over the durable
client and the products' own start functions, so this module holds the rules without any Azure type:

- a due occurrence is claimed in the database before anything starts (`store.claim_occurrence`): two hosts or a
  restarted tick start it once; occurrences missed while no host ran collapse into one;
- `overlap=skip` records the occurrence as Skipped while the schedule's previous job is active; `queue-one` keeps
  one waiting run that starts on the first tick after the previous job ended;
- a run's end is observed once (`store.finish_run` is conditional), and only that observer queues notifications;
  the outbox key makes even a second observer harmless.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from shared import settings
from shared.analyzer import history, jobs
from shared.api.problems import Problem
from shared.errors import ServiceError
from shared.notifications import service as notifications
from shared.notifications.service import JobEvent
from shared.policies import store as policy_store
from shared.schedules import store
from shared.schedules.cron import ScheduleError, parse_cron, parse_zone
from shared.schedules.model import BUILTIN_DAILY_SCAN, Kind, Overlap, RunStatus, Schedule, score_drop_threshold
from shared.schedules.store import Run, StoredSchedule, iso
from shared.storage.db import Database

log = logging.getLogger(__name__)

ACTIVE = "active"
MISSING = "missing"


@dataclass(frozen=True)
class JobState:
    """A job as the schedule sees it: `active`, `missing` (no such job), or its final status."""

    status: str
    message: str | None = None
    attempt: int = 1
    title: str = ""

    @property
    def ended(self) -> bool:
        return self.status not in (ACTIVE,)


class JobRunner(Protocol):
    async def start(self, schedule: Schedule, run_id: str) -> str:
        """Start the schedule's job; returns its id. Raises `Problem` when it cannot start (409, 400, 503)."""
        ...

    async def state(self, kind: Kind, job_id: str) -> JobState:
        ...


@dataclass(frozen=True)
class TickResult:
    started: list[str]
    skipped: list[str]
    queued: list[str]
    settled: list[str]
    notifications_queued: int


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# -- definitions ---------------------------------------------------------------------------------------------------
def save(db: Database, schedule: Schedule, now: datetime | None = None) -> bool:
    """AddOrUpdate; True when created."""
    next_run = schedule.spec.next_after(now or utcnow()) if schedule.enabled else None
    return store.upsert(db, schedule, iso(next_run) if next_run else None)


def builtin_daily_scan() -> Schedule:
    """The start-up schedule that replaced the `daily_scan` timer; the settings decide its time (or `off`)."""
    cron, zone = settings.daily_scan_schedule()
    enabled = cron.lower() != "off" and bool(settings.github_org())
    if cron.lower() == "off":
        cron = "0 0 * * *"
    try:
        spec = parse_cron(cron, parse_zone(zone, "POLICY_SCAN_TIME_ZONE"), "POLICY_SCAN_SCHEDULE")
    except ScheduleError as exc:
        log.error("built-in schedule %s: %s; using 0 0 * * * UTC", BUILTIN_DAILY_SCAN, exc)
        spec = parse_cron("0 0 * * *", parse_zone("UTC"))
    return Schedule(BUILTIN_DAILY_SCAN, Kind.POLICY_SCAN, spec.expression, spec.time_zone, enabled, Overlap.SKIP,
                    {"dryRun": False, "repositories": [], "policies": []}, [], ["failure"], origin="builtin")


def ensure_builtin(db: Database, now: datetime | None = None) -> None:
    """Create the built-in schedule, or re-apply the settings to it; a definition saved through the API
    (origin `api`) is the operator's and stays as it is."""
    wanted = builtin_daily_scan()
    current = store.get(db, BUILTIN_DAILY_SCAN)
    if current is not None:
        have = current.schedule
        if have.origin != "builtin" or (have.cron, have.time_zone, have.enabled) == \
                (wanted.cron, wanted.time_zone, wanted.enabled):
            return
    save(db, wanted, now)


def describe(stored: StoredSchedule, db: Database, base: str) -> dict[str, Any]:
    """The API resource: definition, next run (UTC and in the zone), last run with its job and outcome."""
    schedule = stored.schedule
    zone = ZoneInfo(schedule.time_zone)
    next_run = None
    if schedule.enabled and stored.next_run_at:
        moment = datetime.fromisoformat(stored.next_run_at)
        next_run = {"utc": iso(moment), "local": moment.astimezone(zone).isoformat()}
    last = store.get_run(db, stored.last_run_id)
    return {
        "id": schedule.schedule_id, "kind": schedule.kind.value, "cron": schedule.cron,
        "timeZone": schedule.time_zone, "enabled": schedule.enabled, "overlap": schedule.overlap.value,
        "request": schedule.request, "recipients": schedule.recipients, "notifyOn": schedule.notify_on,
        "origin": schedule.origin, "nextRun": next_run, "queuedSince": stored.queued_at,
        "lastRun": run_json(last, schedule.kind, base) if last else None,
        "createdAt": stored.created_at, "updatedAt": stored.updated_at,
    }


def job_url(kind: Kind, job_id: str, base: str) -> str:
    if kind is Kind.ANALYSIS:
        return f"{base}/api/v1/analysis/status/{job_id}"
    return f"{base}/api/v1/scans/{job_id}"


def run_json(run: Run, kind: Kind, base: str) -> dict[str, Any]:
    return {"runId": run.run_id, "trigger": run.trigger_kind, "occurrence": run.occurrence_at,
            "jobId": run.job_id, "jobUrl": job_url(kind, run.job_id, base) if run.job_id else None,
            "status": run.status, "message": run.message, "startedAt": run.started_at,
            "finishedAt": run.finished_at}


# -- running -----------------------------------------------------------------------------------------------------
async def tick(db: Database, runner: JobRunner, now: datetime | None = None) -> TickResult:
    """One pass of the timer: settle ended runs, start queued ones whose predecessor ended, fire due ones."""
    now = now or utcnow()
    ensure_builtin(db, now)
    settled, notes = await settle_runs(db, runner)
    started: list[str] = []
    skipped: list[str] = []
    queued: list[str] = []
    for stored in store.queued(db):
        if stored.queued_at and store.active_job_of(db, stored.schedule.schedule_id) is None and \
                store.claim_queued(db, stored.schedule.schedule_id, stored.queued_at):
            if await _start(db, runner, stored.schedule, stored.queued_at, "schedule"):
                started.append(stored.schedule.schedule_id)
    for stored in store.due(db, iso(now)):
        schedule = stored.schedule
        assert stored.next_run_at is not None
        try:
            following = iso(schedule.spec.next_after(now))
        except ScheduleError as exc:  # tzdata changed under a stored zone: stop it, say why
            log.error("schedule %s cannot compute its next run: %s", schedule.schedule_id, exc)
            continue
        if not store.claim_occurrence(db, schedule.schedule_id, stored.next_run_at, following):
            continue  # another host (or an overlapping tick) took this occurrence
        occurrence = stored.next_run_at
        active = store.active_job_of(db, schedule.schedule_id)
        if active is not None and schedule.overlap is Overlap.SKIP:
            store.add_run(db, schedule.schedule_id, occurrence, "schedule", RunStatus.SKIPPED, active,
                          f"skipped: the previous job {active} is still running (overlap=skip)")
            skipped.append(schedule.schedule_id)
        elif active is not None:
            store.set_queued(db, schedule.schedule_id, occurrence)
            queued.append(schedule.schedule_id)
        elif await _start(db, runner, schedule, occurrence, "schedule"):
            started.append(schedule.schedule_id)
    return TickResult(started, skipped, queued, settled, notes)


async def trigger_now(db: Database, runner: JobRunner, schedule_id: str) -> Run:
    """"Trigger now" on the Recurring Jobs page: start a run at once, whatever the cron says (a `Problem` from
    the product, such as 409 while a scan runs, goes back to the caller and records nothing)."""
    stored = store.get(db, schedule_id)
    if stored is None:
        raise Problem(404, f"schedule {schedule_id} was not found")
    job_id = await runner.start(stored.schedule, store.run_id_for(schedule_id, iso(utcnow()), "manual"))
    return store.add_run(db, schedule_id, iso(utcnow()), "manual", RunStatus.STARTED, job_id)


async def _start(db: Database, runner: JobRunner, schedule: Schedule, occurrence: str, trigger: str) -> bool:
    run_id = store.run_id_for(schedule.schedule_id, occurrence, trigger)
    try:
        job_id = await runner.start(schedule, run_id)
    except (Problem, ServiceError) as refused:
        reason = refused.detail
    except Exception as exc:
        log.exception("schedule %s: starting the job for %s failed", schedule.schedule_id, occurrence)
        reason = f"{exc.__class__.__name__} while starting the job; see the host log"
    else:
        store.add_run(db, schedule.schedule_id, occurrence, trigger, RunStatus.STARTED, job_id)
        log.info("schedule %s started %s for %s", schedule.schedule_id, job_id, occurrence)
        return True
    run = store.add_run(db, schedule.schedule_id, occurrence, trigger, RunStatus.FAILED, None, f"not started: {reason}")
    log.warning("schedule %s: no job started for %s: %s", schedule.schedule_id, occurrence, reason)
    _notify(db, schedule, run, JobState("Failed", f"the job could not be started: {reason}"))
    return False


async def settle_runs(db: Database, runner: JobRunner) -> tuple[list[str], int]:
    """Read the jobs of open runs; for each that ended, record the outcome once and queue its notifications."""
    settled: list[str] = []
    notes = 0
    for run in store.open_runs(db):
        stored = store.get(db, run.schedule_id)
        if stored is None or not run.job_id:
            continue
        try:
            state = await runner.state(stored.schedule.kind, run.job_id)
        except Exception:
            log.exception("schedule %s: cannot read job %s", run.schedule_id, run.job_id)
            continue
        if not state.ended:
            continue
        status = {"Completed": RunStatus.COMPLETED, "Canceled": RunStatus.CANCELED}.get(state.status,
                                                                                       RunStatus.FAILED)
        message = state.message if state.status != MISSING else "the job no longer exists"
        if store.finish_run(db, run.run_id, status, message):
            settled.append(run.run_id)
            notes += _notify(db, stored.schedule, run, state)
    return settled, notes


def _notify(db: Database, schedule: Schedule, run: Run, state: JobState) -> int:
    """Queue the messages the schedule asks for; returns how many were queued."""
    events = conditions_met(db, schedule, run, state)
    queued = 0
    for event in events:
        recipients = list(schedule.recipients)
        if event.kind == "failure":
            recipients += settings.notify_failure_recipients()
        queued += int(notifications.notify_job_event(db, event, recipients))
    return queued


def conditions_met(db: Database, schedule: Schedule, run: Run, state: JobState) -> list[JobEvent]:
    """The schedule's `notifyOn` conditions this outcome meets (failures always go to the default list)."""
    job_id = run.job_id or run.run_id
    title = f"{schedule.kind.value} schedule {schedule.schedule_id}" + (f" ({state.title})" if state.title else "")

    def event(kind: str, detail: str, lines: tuple[str, ...] = ()) -> JobEvent:
        return JobEvent(kind, job_id, state.attempt, schedule.kind.value, title, detail, schedule.schedule_id, lines)

    if state.status == "Canceled":
        return []
    if state.status != "Completed":
        return [event("failure", state.message or f"the job ended as {state.status}")]
    found: list[JobEvent] = []
    if schedule.notifies("success"):
        found.append(event("success", "the job completed"))
    if schedule.kind is Kind.ANALYSIS and run.job_id:
        found += _analysis_conditions(db, schedule, run.job_id, event)
    if schedule.kind is Kind.POLICY_SCAN and run.job_id and schedule.notifies("new-violations"):
        new = policy_store.new_violations(db, run.job_id)
        if new:
            found.append(event("new-violations", f"{len(new)} new violation(s) since the previous scan",
                               tuple(f"{v['severity']}: {v['repository']} / {v['policy_id']}: {v['message']}"
                                     for v in new[:50])))
    return found


def _analysis_conditions(db: Database, schedule: Schedule, job_id: str, event: Any) -> list[JobEvent]:
    wanted = [c for c in schedule.notify_on if c in ("new-critical", "new-high") or c.startswith("score-drop:")]
    if not wanted:
        return []
    report = jobs.get_report(db, job_id)
    if report is None:
        return []
    previous = jobs.previous_completed_job(db, job_id)
    diff = history.diff_reports(report, jobs.get_report(db, previous) if previous else None)
    found: list[JobEvent] = []
    for severity in ("critical", "high"):
        new = diff.new_with_severity(severity)
        if schedule.notifies(f"new-{severity}") and new:
            found.append(event(f"new-{severity}", f"{len(new)} new {severity} finding(s) since the previous analysis",
                               tuple(f"{f['checkId']}: {f['object']}: {f['message']}" for f in new[:50])))
    threshold = score_drop_threshold(schedule.notify_on)
    if threshold is not None and diff.score_before is not None and diff.score_drop >= threshold:
        found.append(event("score-drop", f"the score dropped from {diff.score_before} to {diff.score_after}"))
    return found


def notify_other_failures(db: Database, now: datetime | None = None,
                          lookback: timedelta = timedelta(days=1)) -> int:
    """Failures of jobs no schedule started (HTTP, queue) go to `NOTIFY_FAILURE_RECIPIENTS`. The outbox key is
    the same as a schedule's (`failure:<jobId>:<attempt>`), so a job seen by both paths is announced once;
    scheduled jobs are left to `settle_runs`, which also adds the schedule's own recipients."""
    recipients = settings.notify_failure_recipients()
    if not recipients:
        return 0
    since = iso((now or utcnow()) - lookback)
    queued = 0
    for row in jobs.failed_since(db, since):
        if store.schedule_of_job(db, row["job_id"]) is not None:
            continue
        event = JobEvent("failure", row["job_id"], int(row["attempt"]), "analysis",
                         f"analysis of {row['target']} ({row['engine']}, {row['analysis_type']})",
                         row["error"] or "the job failed")
        queued += int(notifications.notify_job_event(db, event, recipients))
    for row in policy_store.failed_scans_since(db, since):
        if store.schedule_of_job(db, row["scan_id"]) is not None:
            continue
        event = JobEvent("failure", row["scan_id"], 1, "policy-scan", f"policy scan of {row['org']}",
                         row["error"] or "the scan failed")
        queued += int(notifications.notify_job_event(db, event, recipients))
    return queued
