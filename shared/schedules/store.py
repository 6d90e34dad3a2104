"""All SQL of schedules and their runs (portable `?` SQL on the application database).

The claim of a due occurrence is one conditional UPDATE: `next_run_at` moves from the value the tick read to the
next occurrence after now, `WHERE next_run_at = <read value>`. Of two hosts (or a tick and a late retry of it)
only one sees rowcount 1; the other skips. Because the new value is computed from *now*, occurrences missed while
no host ran collapse into the one being claimed.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shared.schedules.model import Kind, Overlap, RunStatus, Schedule
from shared.storage.db import Database, IntegrityError


def _count(db: Database, sql: str, params: tuple[Any, ...]) -> int:
    row = db.query_one(sql, params)
    return int(row["n"]) if row else 0


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


@dataclass(frozen=True)
class StoredSchedule:
    schedule: Schedule
    next_run_at: str | None
    queued_at: str | None
    last_run_id: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Run:
    run_id: str
    schedule_id: str
    occurrence_at: str
    trigger_kind: str
    job_id: str | None
    status: str
    message: str | None
    started_at: str
    finished_at: str | None


def _schedule(row: dict[str, Any]) -> StoredSchedule:
    return StoredSchedule(
        Schedule(row["schedule_id"], Kind(row["kind"]), row["cron"], row["time_zone"], bool(row["enabled"]),
                 Overlap(row["overlap"]), json.loads(row["request_json"]), json.loads(row["recipients_json"]),
                 json.loads(row["notify_on_json"]), row["origin"]),
        row["next_run_at"], row["queued_at"], row["last_run_id"], row["created_at"], row["updated_at"])


def _run(row: dict[str, Any]) -> Run:
    return Run(row["run_id"], row["schedule_id"], row["occurrence_at"], row["trigger_kind"], row["job_id"],
               row["status"], row["message"], row["started_at"], row["finished_at"])


# -- schedules ---------------------------------------------------------------------------------------------------
def upsert(db: Database, schedule: Schedule, next_run_at: str | None) -> bool:
    """Insert or replace the definition (AddOrUpdate); returns True when it was created. Run history is kept; a
    changed cron or zone restarts the occurrence sequence from `next_run_at`."""
    now = now_iso()
    values = (schedule.kind.value, schedule.cron, schedule.time_zone, int(schedule.enabled), schedule.overlap.value,
              json.dumps(schedule.request, sort_keys=True), json.dumps(schedule.recipients),
              json.dumps(schedule.notify_on), schedule.origin)
    with db.transaction():
        current = db.query_one("SELECT cron, time_zone, enabled, next_run_at FROM schedules WHERE schedule_id = ?",
                               (schedule.schedule_id,))
        if current is None:
            try:
                db.execute(
                    "INSERT INTO schedules (kind, cron, time_zone, enabled, overlap, request_json, recipients_json, "
                    "notify_on_json, origin, schedule_id, next_run_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, schedule.schedule_id, next_run_at, now, now))
                return True
            except IntegrityError:
                pass  # created meanwhile by another request: update it like any existing one
        same_timing = current is not None and schedule.enabled and current["cron"] == schedule.cron and \
            current["time_zone"] == schedule.time_zone and bool(current["enabled"]) and current["next_run_at"]
        db.execute(
            "UPDATE schedules SET kind = ?, cron = ?, time_zone = ?, enabled = ?, overlap = ?, request_json = ?, "
            "recipients_json = ?, notify_on_json = ?, origin = ?, next_run_at = ?, updated_at = ? "
            "WHERE schedule_id = ?",
            (*values, current["next_run_at"] if same_timing and current else next_run_at, now,
             schedule.schedule_id))
        return False


def get(db: Database, schedule_id: str) -> StoredSchedule | None:
    row = db.query_one("SELECT * FROM schedules WHERE schedule_id = ?", (schedule_id,))
    return _schedule(row) if row else None


def list_schedules(db: Database, offset: int, limit: int) -> tuple[list[StoredSchedule], int]:
    total = _count(db, "SELECT COUNT(*) AS n FROM schedules", ())
    rows = db.query(db.limit("SELECT * FROM schedules ORDER BY schedule_id", limit, offset))
    return [_schedule(r) for r in rows], total


def delete(db: Database, schedule_id: str) -> bool:
    """Remove the schedule; its runs stay (the jobs they started exist) until purged with it here."""
    with db.transaction():
        db.execute("DELETE FROM schedule_runs WHERE schedule_id = ?", (schedule_id,))
        return db.execute("DELETE FROM schedules WHERE schedule_id = ?", (schedule_id,)) > 0


def due(db: Database, now: str, limit: int = 200) -> list[StoredSchedule]:
    """Enabled schedules whose next occurrence is at or before now (index `ix_schedules_due`)."""
    rows = db.query(db.limit("SELECT * FROM schedules WHERE enabled = 1 AND next_run_at <= ? "
                             "ORDER BY next_run_at, schedule_id", limit), (now,))
    return [_schedule(r) for r in rows]


def queued(db: Database) -> list[StoredSchedule]:
    """Schedules holding one waiting run (overlap=queue-one)."""
    return [_schedule(r) for r in db.query("SELECT * FROM schedules WHERE queued_at IS NOT NULL "
                                           "ORDER BY queued_at, schedule_id")]


def claim_occurrence(db: Database, schedule_id: str, seen_next: str, new_next: str) -> bool:
    """Move `next_run_at` on iff it still holds what this tick read: True for exactly one claimant."""
    return db.execute("UPDATE schedules SET next_run_at = ?, updated_at = ? WHERE schedule_id = ? AND "
                      "next_run_at = ? AND enabled = 1", (new_next, now_iso(), schedule_id, seen_next)) == 1


def set_queued(db: Database, schedule_id: str, occurrence: str | None) -> None:
    if occurrence is None:
        db.execute("UPDATE schedules SET queued_at = NULL WHERE schedule_id = ?", (schedule_id,))
    else:  # several occurrences while the previous job runs fold into the first one waiting
        db.execute("UPDATE schedules SET queued_at = ? WHERE schedule_id = ? AND queued_at IS NULL",
                   (occurrence, schedule_id))


def claim_queued(db: Database, schedule_id: str, queued_at: str) -> bool:
    return db.execute("UPDATE schedules SET queued_at = NULL WHERE schedule_id = ? AND queued_at = ?",
                      (schedule_id, queued_at)) == 1


# -- runs --------------------------------------------------------------------------------------------------------
def run_id_for(schedule_id: str, occurrence_at: str, trigger_kind: str) -> str:
    """Deterministic for a timer occurrence (a retried start writes the same row), random for "trigger now"."""
    if trigger_kind == "schedule":
        return "run-" + uuid.uuid5(uuid.NAMESPACE_URL, f"schedule:{schedule_id}:{occurrence_at}").hex
    return "run-" + uuid.uuid4().hex


def add_run(db: Database, schedule_id: str, occurrence_at: str, trigger_kind: str, status: RunStatus,
            job_id: str | None = None, message: str | None = None) -> Run:
    run_id = run_id_for(schedule_id, occurrence_at, trigger_kind)
    now = now_iso()
    finished = now if status.value in (RunStatus.SKIPPED.value, RunStatus.FAILED.value) else None
    with db.transaction():
        try:
            db.execute("INSERT INTO schedule_runs (run_id, schedule_id, occurrence_at, trigger_kind, job_id, status, "
                       "message, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (run_id, schedule_id, occurrence_at, trigger_kind, job_id, status.value, message, now,
                        finished))
        except IntegrityError:
            pass  # the same occurrence recorded before (a retried tick): keep the first record
        if status is not RunStatus.SKIPPED:
            db.execute("UPDATE schedules SET last_run_id = ? WHERE schedule_id = ?", (run_id, schedule_id))
    row = db.query_one("SELECT * FROM schedule_runs WHERE run_id = ?", (run_id,))
    assert row is not None
    return _run(row)


def get_run(db: Database, run_id: str | None) -> Run | None:
    if not run_id:
        return None
    row = db.query_one("SELECT * FROM schedule_runs WHERE run_id = ?", (run_id,))
    return _run(row) if row else None


def list_runs(db: Database, schedule_id: str, offset: int, limit: int) -> tuple[list[Run], int]:
    total = _count(db, "SELECT COUNT(*) AS n FROM schedule_runs WHERE schedule_id = ?", (schedule_id,))
    rows = db.query(db.limit("SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY started_at DESC, run_id",
                             limit, offset), (schedule_id,))
    return [_run(r) for r in rows], total


def open_runs(db: Database) -> list[Run]:
    """Runs whose job has not been seen ending yet (index `ix_schedule_runs_status`)."""
    return [_run(r) for r in db.query("SELECT * FROM schedule_runs WHERE status = ? ORDER BY started_at",
                                      (RunStatus.STARTED.value,))]


def finish_run(db: Database, run_id: str, status: RunStatus, message: str | None) -> bool:
    """Started → Completed/Failed once; True for the caller that made the change (it sends the notification)."""
    return db.execute("UPDATE schedule_runs SET status = ?, message = ?, finished_at = ? WHERE run_id = ? AND "
                      "status = ?", (status.value, message, now_iso(), run_id, RunStatus.STARTED.value)) == 1


def active_job_of(db: Database, schedule_id: str) -> str | None:
    row = db.query_one(db.limit("SELECT job_id FROM schedule_runs WHERE schedule_id = ? AND status = ? "
                                "ORDER BY started_at DESC", 1), (schedule_id, RunStatus.STARTED.value))
    return row["job_id"] if row else None


def schedule_of_job(db: Database, job_id: str) -> str | None:
    row = db.query_one(db.limit("SELECT schedule_id FROM schedule_runs WHERE job_id = ? ORDER BY started_at", 1),
                       (job_id,))
    return row["schedule_id"] if row else None
