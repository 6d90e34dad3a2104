"""All SQL of notifications: the outbox (one row per event) and the log of every send attempt.

Why an outbox: the event (a job failed) is observed in one place and may be observed again (another tick, another
host, a restart); the e-mail must go out once. The row's key is the event (`failure:<jobId>:<attempt>`), so a second
`enqueue` of it is a no-op. Sending claims the row with a lease (`claimed_by`, `claimed_until`) in one conditional
UPDATE, so two senders never hold it at once, and a sender that died mid-send loses only its lease: the row becomes
claimable again when the lease runs out. An SMTP outage leaves rows `Pending` with a later `next_attempt_at`.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from shared.storage.db import Database, IntegrityError


class OutboxStatus(StrEnum):
    PENDING = "Pending"    # waiting for its (next) attempt
    SENDING = "Sending"    # claimed by a sender until `claimed_until`
    SENT = "Sent"
    FAILED = "Failed"      # a permanent SMTP refusal, or the attempts ran out


@dataclass(frozen=True)
class Notification:
    """One event to tell people about; `outbox_id` is its idempotency key."""

    outbox_id: str
    event: str
    job_id: str | None
    recipients: list[str]
    subject: str
    body_text: str
    body_html: str
    channel: str = "email"   # or "webhook" (Teams / Slack incoming webhook)


@dataclass(frozen=True)
class OutboxItem:
    notification: Notification
    status: OutboxStatus
    attempts: int
    next_attempt_at: str
    last_error: str | None
    created_at: str
    sent_at: str | None


@dataclass(frozen=True)
class Attempt:
    outbox_id: str
    attempt: int
    outcome: str
    message: str | None
    created_at: str


def _count(db: Database, sql: str, params: tuple[Any, ...]) -> int:
    row = db.query_one(sql, params)
    return int(row["n"]) if row else 0


def now_iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat()


def _item(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(Notification(row["outbox_id"], row["event"], row["job_id"], json.loads(row["recipients_json"]),
                                   row["subject"], row["body_text"], row["body_html"], row["channel"]),
                      OutboxStatus(row["status"]), int(row["attempts"]), row["next_attempt_at"], row["last_error"],
                      row["created_at"], row["sent_at"])


def enqueue(db: Database, note: Notification) -> bool:
    """Queue an event once; True if this call queued it, False if it was already there (sent or not)."""
    now = now_iso()
    try:
        db.execute("INSERT INTO notification_outbox (outbox_id, channel, event, job_id, recipients_json, subject, "
                   "body_text, body_html, status, attempts, next_attempt_at, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                   (note.outbox_id, note.channel, note.event, note.job_id, json.dumps(note.recipients), note.subject,
                    note.body_text, note.body_html, OutboxStatus.PENDING.value, now, now))
        return True
    except IntegrityError:
        return False


def due_ids(db: Database, now: str, limit: int = 50, channels: tuple[str, ...] = ("email", "webhook")) -> list[str]:
    """Pending rows whose time has come, and Sending rows whose sender's lease ran out (of these channels)."""
    if not channels:
        return []
    marks = ", ".join("?" for _ in channels)
    rows = db.query(db.limit(
        f"SELECT outbox_id FROM notification_outbox WHERE channel IN ({marks}) AND ((status = ? AND "
        "next_attempt_at <= ?) OR (status = ? AND claimed_until < ?)) ORDER BY next_attempt_at, outbox_id", limit),
        (*channels, OutboxStatus.PENDING.value, now, OutboxStatus.SENDING.value, now))
    return [r["outbox_id"] for r in rows]


def claim(db: Database, outbox_id: str, owner: str, now: datetime, lease: timedelta,
          due_only: bool = True) -> OutboxItem | None:
    """Take the row for one attempt; None if another sender has it or it is no longer due. `due_only=False`: a
    Pending row is taken before its `next_attempt_at` (the notify orchestration's durable timer decides when its
    next attempt is, and a few milliseconds of clock difference must not turn it away)."""
    stamp = now_iso(now)
    not_before = stamp if due_only else "9999"
    changed = db.execute(
        "UPDATE notification_outbox SET status = ?, claimed_by = ?, claimed_until = ?, attempts = attempts + 1 "
        "WHERE outbox_id = ? AND ((status = ? AND next_attempt_at <= ?) OR (status = ? AND claimed_until < ?))",
        (OutboxStatus.SENDING.value, owner, now_iso(now + lease), outbox_id, OutboxStatus.PENDING.value,
         not_before, OutboxStatus.SENDING.value, stamp))
    if changed != 1:
        return None
    row = db.query_one("SELECT * FROM notification_outbox WHERE outbox_id = ? AND claimed_by = ?", (outbox_id, owner))
    return _item(row) if row else None


def finish(db: Database, outbox_id: str, owner: str, attempt: int, status: OutboxStatus, message: str | None,
           retry_at: datetime | None = None) -> bool:
    """Record the attempt and its result, only while this sender still holds the lease."""
    now = now_iso()
    with db.transaction():
        changed = db.execute(
            "UPDATE notification_outbox SET status = ?, claimed_by = NULL, claimed_until = NULL, last_error = ?, "
            "next_attempt_at = ?, sent_at = ? WHERE outbox_id = ? AND claimed_by = ? AND status = ?",
            (status.value, None if status is OutboxStatus.SENT else message, now_iso(retry_at) if retry_at else now,
             now if status is OutboxStatus.SENT else None, outbox_id, owner, OutboxStatus.SENDING.value))
        log_attempt(db, outbox_id, attempt, "sent" if status is OutboxStatus.SENT else
                    ("retry" if status is OutboxStatus.PENDING else "failed"), message)
    return changed == 1


def log_attempt(db: Database, outbox_id: str, attempt: int, outcome: str, message: str | None) -> None:
    db.execute("INSERT INTO notification_log (log_id, outbox_id, attempt, outcome, message, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", ("nlog-" + uuid.uuid4().hex, outbox_id, attempt, outcome, message,
                                             now_iso()))


def claimed_until(db: Database, outbox_id: str) -> str | None:
    row = db.query_one("SELECT claimed_until FROM notification_outbox WHERE outbox_id = ?", (outbox_id,))
    return row["claimed_until"] if row else None


def get(db: Database, outbox_id: str) -> OutboxItem | None:
    row = db.query_one("SELECT * FROM notification_outbox WHERE outbox_id = ?", (outbox_id,))
    return _item(row) if row else None


def list_items(db: Database, job_id: str | None, offset: int, limit: int) -> tuple[list[OutboxItem], int]:
    where, params = ("WHERE job_id = ?", (job_id,)) if job_id else ("", ())
    total = _count(db, f"SELECT COUNT(*) AS n FROM notification_outbox {where}", params)
    rows = db.query(db.limit(f"SELECT * FROM notification_outbox {where} ORDER BY created_at DESC, outbox_id",
                             limit, offset), params)
    return [_item(r) for r in rows], total


def attempts(db: Database, outbox_ids: list[str]) -> dict[str, list[Attempt]]:
    found: dict[str, list[Attempt]] = {i: [] for i in outbox_ids}
    for outbox_id in outbox_ids:
        for r in db.query("SELECT * FROM notification_log WHERE outbox_id = ? ORDER BY created_at, attempt",
                          (outbox_id,)):
            found[outbox_id].append(Attempt(r["outbox_id"], int(r["attempt"]), r["outcome"], r["message"],
                                            r["created_at"]))
    return found
