"""All SQL of the SQL Analyzer product: jobs, per-check outcomes, reports and queue message ids.

Portable `?` SQL on the application database (see `shared/storage/db.py`). State changes of a job are conditional
on it still being active, so a late activity can never resurrect a canceled or failed job, and outcomes are
upserted per job x check, so a retried batch activity leaves exactly one row per check.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from shared.analyzer import packing
from shared.analyzer.model import CheckOutcome
from shared.analyzer.model import compact_json as _compact
from shared.analyzer.models import AnalysisOptions, Progress
from shared.analyzer.records import AnalysisJob, JobView
from shared.status import ACTIVE_SQL
from shared.storage.db import Database, IntegrityError

JOB_PREFIX = "analysis-"
INTERRUPTED = "interrupted by a host restart; restart it with POST /api/v1/analysis/{jobId}/restart"



def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def new_job_id() -> str:
    return JOB_PREFIX + uuid.uuid4().hex


def is_job_id(value: str) -> bool:
    return value.startswith(JOB_PREFIX) and len(value) == len(JOB_PREFIX) + 32 and \
        all(c in "0123456789abcdef" for c in value[len(JOB_PREFIX):])


# -- jobs --------------------------------------------------------------------------------------------------------
def create_job(db: Database, job_id: str, *, analysis_type: str, engine: str, target: str, options: AnalysisOptions,
               source: str, secret_ref: str | None, connection_name: str | None) -> None:
    now = now_iso()
    db.execute(
        "INSERT INTO analysis_jobs (job_id, status, analysis_type, engine, target, connection_name, secret_ref, "
        "options_json, source, attempt, created_at, updated_at, checks_total, checks_completed, current_step) "
        "VALUES (?, 'Pending', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0, 0, 'queued')",
        (job_id, analysis_type, engine, target, connection_name, secret_ref, json.dumps(options.to_json()), source,
         now, now))


def get_job(db: Database, job_id: str) -> AnalysisJob | None:
    row = db.query_one("SELECT * FROM analysis_jobs WHERE job_id = ?", (job_id,))
    return AnalysisJob.from_row(row) if row else None


def list_jobs(db: Database, status: str | None, offset: int, limit: int) -> tuple[list[AnalysisJob], int]:
    where, params = ("WHERE status = ?", (status,)) if status else ("", ())
    total = db.count(f"SELECT COUNT(*) AS n FROM analysis_jobs {where}", params)
    rows = db.query(db.limit(f"SELECT * FROM analysis_jobs {where} ORDER BY created_at DESC, job_id DESC",
                             limit, offset), params)
    return [AnalysisJob.from_row(r) for r in rows], total


def count_by_status(db: Database) -> dict[str, int]:
    return {r["status"]: int(r["n"]) for r in
            db.query("SELECT status, COUNT(*) AS n FROM analysis_jobs GROUP BY status")}


def active_jobs(db: Database) -> list[AnalysisJob]:
    return [AnalysisJob.from_row(r) for r in
            db.query(f"SELECT * FROM analysis_jobs WHERE status IN {ACTIVE_SQL} ORDER BY created_at")]


def mark_running(db: Database, job_id: str, *, checks_total: int, server: dict[str, Any]) -> bool:
    now = now_iso()
    return db.execute(
        "UPDATE analysis_jobs SET status = 'Running', started_at = COALESCE(started_at, ?), updated_at = ?, "
        "checks_total = ?, current_step = 'running checks', server_json = ? "
        f"WHERE job_id = ? AND status IN {ACTIVE_SQL}",
        (now, now, checks_total, json.dumps(server), job_id)) > 0


def mark_started(db: Database, job_id: str, step: str) -> bool:
    """The orchestration picked the job up: Running from now on (a Running job always has an orchestration)."""
    now = now_iso()
    return db.execute(
        "UPDATE analysis_jobs SET status = 'Running', started_at = COALESCE(started_at, ?), updated_at = ?, "
        f"current_step = ? WHERE job_id = ? AND status IN {ACTIVE_SQL}", (now, now, step, job_id)) > 0


def set_step(db: Database, job_id: str, step: str) -> None:
    db.execute("UPDATE analysis_jobs SET current_step = ?, updated_at = ? WHERE job_id = ? AND "
               f"status IN {ACTIVE_SQL}", (step[:400], now_iso(), job_id))


def finish(db: Database, job_id: str, status: str, error: str | None = None, step: str | None = None,
           partial_reason: str | None = None) -> bool:
    """Move an active job to a final status; False when it had already ended (e.g. canceled meanwhile).
    `partial_reason`: a Completed job whose checks were partly lost to connection errors (its status says so)."""
    now = now_iso()
    return db.execute(
        "UPDATE analysis_jobs SET status = ?, error = ?, completed_at = ?, updated_at = ?, current_step = ?, "
        f"partial_reason = ? WHERE job_id = ? AND status IN {ACTIVE_SQL}",
        (status, error, now, now, step or status.lower(), partial_reason, job_id)) > 0


def reset_for_restart(db: Database, job_id: str) -> bool:
    """Failed/Canceled → Pending, attempt + 1, previous outcomes and report dropped (same job id, same URLs)."""
    with db.transaction():
        changed = db.execute(
            "UPDATE analysis_jobs SET status = 'Pending', attempt = attempt + 1, error = NULL, completed_at = NULL, "
            "started_at = NULL, checks_total = 0, checks_completed = 0, reconnects = 0, partial_reason = NULL, "
            "current_step = 'queued', updated_at = ? "
            "WHERE job_id = ? AND status IN ('Failed', 'Canceled')", (now_iso(), job_id)) > 0
        if changed:
            db.execute("DELETE FROM analysis_outcomes WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM analysis_reports WHERE job_id = ?", (job_id,))
    return changed


# -- outcomes ----------------------------------------------------------------------------------------------------
def record_outcomes(db: Database, job_id: str, outcomes: list[CheckOutcome], *, reconnects: int = 0) -> int:
    """Upsert the outcomes of one batch and add the new ones to the job's completed count; returns that count.

    The count moves by one single `SET checks_completed = checks_completed + ?`: batches end concurrently, and a
    read-count-then-write under READ COMMITTED (PostgreSQL, Azure SQL) let the later writer store a total that
    missed the other's rows. Only outcomes that were not stored yet count (a retried batch replaces its rows).
    `reconnects` (new sessions the batch opened after losing its connection) is added the same way."""
    now = now_iso()
    with db.transaction():
        added = 0
        for outcome in outcomes:
            replaced = db.execute("DELETE FROM analysis_outcomes WHERE job_id = ? AND check_id = ?",
                                  (job_id, outcome.check_id))
            db.execute(
                "INSERT INTO analysis_outcomes (job_id, check_id, skipped, findings_json, finding_count, "
                "duration_ms, recorded_at, connection_lost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, outcome.check_id, outcome.skipped,
                 outcome.stored_findings_json(), outcome.count,
                 int(outcome.duration_ms), now, 1 if outcome.connection_lost else 0))
            added += 0 if replaced else 1
        db.execute("UPDATE analysis_jobs SET checks_completed = checks_completed + ?, reconnects = reconnects + ?, "
                   f"updated_at = ? WHERE job_id = ? AND status IN {ACTIVE_SQL}",
                   (added, reconnects, now, job_id))
        row = db.query_one("SELECT checks_completed FROM analysis_jobs WHERE job_id = ?", (job_id,))
    return int(row["checks_completed"]) if row else 0


def outcomes(db: Database, job_id: str) -> list[CheckOutcome]:
    rows = db.query("SELECT check_id, skipped, findings_json, duration_ms, connection_lost FROM analysis_outcomes "
                    "WHERE job_id = ? ORDER BY check_id", (job_id,))
    return [CheckOutcome.from_json({"checkId": r["check_id"], "skipped": r["skipped"],
                                    "findings": json.loads(r["findings_json"]), "durationMs": r["duration_ms"],
                                    "connectionLost": bool(r["connection_lost"])})
            for r in rows]


def outcome_heads(db: Database, job_id: str) -> list[CheckOutcome]:
    """Every outcome of a job WITHOUT its findings (check, skip reason, lost or not): what the report's counts,
    partial reason and skipped list need, a few hundred small rows whatever the number of findings."""
    rows = db.query("SELECT check_id, skipped, duration_ms, connection_lost FROM analysis_outcomes "
                    "WHERE job_id = ?", (job_id,))
    return [CheckOutcome(r["check_id"], [], r["skipped"], float(r["duration_ms"] or 0),
                         bool(r["connection_lost"])) for r in rows]


def iter_findings_json(db: Database, job_id: str, check_ids: list[str], page: int = 16,
                       budget: int = 2000) -> Iterator[tuple[str, str]]:
    """(check id, its stored findings JSON) in the order of `check_ids`, read at most `page` checks and about
    `budget` findings at a time (a check larger than the budget is read alone), so building a report holds a few
    small checks' text or one large check's, never all of them: at x10 one page of 16 held 70 MB of text. The
    order is the caller's: a database collation must not decide it."""
    sizes = {r["check_id"]: int(r["finding_count"] or 0) for r in
             db.query("SELECT check_id, finding_count FROM analysis_outcomes WHERE job_id = ?", (job_id,))}
    pages: list[list[str]] = [[]]
    held = 0
    for check_id in check_ids:
        size = sizes.get(check_id, 0)
        if pages[-1] and (len(pages[-1]) >= page or held + size > budget):
            pages.append([])
            held = 0
        pages[-1].append(check_id)
        held += size
    for wanted in pages:
        if not wanted:
            continue
        marks = ", ".join("?" for _ in wanted)
        rows = {r["check_id"]: r["findings_json"] for r in
                db.query(f"SELECT check_id, findings_json FROM analysis_outcomes WHERE job_id = ? AND check_id IN "
                         f"({marks})", (job_id, *wanted))}
        for check_id in wanted:
            if check_id in rows:
                yield check_id, rows.pop(check_id)
        del rows


def last_durations(db: Database, *, engine: str, target: str, before_job: str) -> dict[str, int]:
    """How long each check took in the last completed analysis of the same target (ms), for ordering the batches
    of the next one; empty when there is none. Two small reads: the newest such job (status, created_at index),
    then its outcomes by primary key."""
    rows = db.query(db.limit("SELECT job_id FROM analysis_jobs WHERE status = 'Completed' AND engine = ? AND "
                             "target = ? AND job_id <> ? ORDER BY created_at DESC", 1), (engine, target, before_job))
    if not rows:
        return {}
    return {r["check_id"]: int(r["duration_ms"]) for r in
            db.query("SELECT check_id, duration_ms FROM analysis_outcomes WHERE job_id = ? AND skipped IS NULL",
                     (rows[0]["job_id"],))}


# -- reports -----------------------------------------------------------------------------------------------------
def save_report(db: Database, job_id: str, report: dict[str, Any]) -> None:
    save_report_text(db, job_id, _compact(report), score=report.get("score"),
                     findings=len(report.get("findings") or []))


def save_report_text(db: Database, job_id: str, text: str, *, score: int | None, findings: int) -> None:
    """A report already serialised (streamed by `report.write_report`, `WrittenReport.stored`: plain JSON or
    packed, see `packing`): stored as is, not parsed and re-encoded."""
    with db.transaction():
        db.execute("DELETE FROM analysis_reports WHERE job_id = ?", (job_id,))
        db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                   (job_id, text, now_iso()))
        # The score beside the job row: the target's history is then one indexed query (0009_analysis_history).
        db.execute("UPDATE analysis_jobs SET score = ?, findings_total = ? WHERE job_id = ?",
                   (score, findings, job_id))


def get_report_stored(db: Database, job_id: str) -> str | None:
    """The report as stored: plain JSON, or packed (`packing`) when large."""
    row = db.query_one("SELECT report_json FROM analysis_reports WHERE job_id = ?", (job_id,))
    return str(row["report_json"]) if row else None


def get_report_text(db: Database, job_id: str) -> str | None:
    """The stored report JSON as text: the JSON rendering serves it as is (no parse of thousands of findings into
    objects and re-encode, which cost the host several times the report's size per request)."""
    stored = get_report_stored(db, job_id)
    return packing.unpack(stored) if stored is not None else None


def get_report(db: Database, job_id: str) -> dict[str, Any] | None:
    text = get_report_text(db, job_id)
    return json.loads(text) if text is not None else None


# -- queue messages ----------------------------------------------------------------------------------------------
def delete_job(db: Database, job_id: str) -> bool:
    """Remove an ended job with its outcomes, report and queue-message claims (the dashboard's "delete")."""
    with db.transaction():
        for table in ("analysis_outcomes", "analysis_reports", "analysis_queue_messages"):
            db.execute(f"DELETE FROM {table} WHERE job_id = ?", (job_id,))
        return bool(db.execute("DELETE FROM analysis_jobs WHERE job_id = ?", (job_id,)))


def history_runs(db: Database, *, targets: int, runs_per_target: int) -> list[dict[str, Any]]:
    """Completed jobs of the most recently analysed targets, newest first within each target: the rows behind
    `GET /api/v1/analysis/history` (score over time per engine + server + database)."""
    recent = db.query(db.limit("SELECT engine, target, MAX(completed_at) AS last_at FROM analysis_jobs "
                               "WHERE status = 'Completed' AND score IS NOT NULL GROUP BY engine, target "
                               "ORDER BY last_at DESC", targets, 0))
    rows: list[dict[str, Any]] = []
    for target in recent:
        rows.extend(db.query(db.limit(
            "SELECT job_id, engine, target, analysis_type, completed_at, score, findings_total, partial_reason "
            "FROM analysis_jobs WHERE engine = ? AND target = ? AND status = 'Completed' AND score IS NOT NULL "
            "ORDER BY completed_at DESC", runs_per_target, 0), (target["engine"], target["target"])))
    return rows


def claim_queue_message(db: Database, message_id: str, job_id: str) -> str | None:
    """Record message → job; returns the job id an earlier delivery already started, or None if this is new."""
    try:
        db.execute("INSERT INTO analysis_queue_messages (message_id, job_id, received_at) VALUES (?, ?, ?)",
                   (message_id, job_id, now_iso()))
        return None
    except IntegrityError:
        row = db.query_one("SELECT job_id FROM analysis_queue_messages WHERE message_id = ?", (message_id,))
        return row["job_id"] if row else None


def release_queue_message(db: Database, message_id: str, job_id: str) -> None:
    """Starting the job failed: let a redelivery try again."""
    db.execute("DELETE FROM analysis_queue_messages WHERE message_id = ? AND job_id = ?", (message_id, job_id))


# -- API shapes --------------------------------------------------------------------------------------------------
def status_json(job: AnalysisJob, live: Progress | None = None) -> dict[str, Any]:
    """The status resource; `live` is the orchestration's custom status (fresher while the job runs)."""
    return JobView(job, live).to_json()


def previous_completed_job(db: Database, job_id: str) -> str | None:
    """The last completed analysis of the same target (engine + server + database) created before `job_id`: the
    baseline of the job's diff. Uses the (status, created_at) index."""
    row = db.query_one("SELECT engine, target, created_at FROM analysis_jobs WHERE job_id = ?", (job_id,))
    if row is None:
        return None
    rows = db.query(db.limit("SELECT job_id FROM analysis_jobs WHERE status = 'Completed' AND engine = ? AND "
                             "target = ? AND job_id <> ? AND created_at < ? ORDER BY created_at DESC, job_id DESC", 1),
                    (row["engine"], row["target"], job_id, row["created_at"]))
    return str(rows[0]["job_id"]) if rows else None


def failed_since(db: Database, since: str, limit: int = 200) -> list[dict[str, Any]]:
    """Failed jobs created since `since` (the (status, created_at) index), for failure notifications."""
    return db.query(db.limit("SELECT job_id, attempt, target, engine, analysis_type, error, source FROM analysis_jobs "
                             "WHERE status = 'Failed' AND created_at >= ? ORDER BY created_at, job_id", limit),
                    (since,))


def job_status(db: Database, job_id: str) -> str | None:
    """Just the status of a job (None: no such job)."""
    row = db.query_one("SELECT status FROM analysis_jobs WHERE job_id = ?", (job_id,))
    return str(row["status"]) if row else None
