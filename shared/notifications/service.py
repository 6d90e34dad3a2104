"""Notification use cases: turn a job event into one queued message, and send it from a Durable activity.

`notify_job_event` only writes the outbox (cheap, idempotent, callable from any tick or host). `dispatch` starts one
`notification_orchestrator` per due row, with an instance id derived from the event (`instance_id_for`), so a
second tick, a second host or a restart finds the instance instead of starting another. Its activity calls
`attempt`: one claimed try, classified here (transient SMTP errors → "retry" at a doubling delay, permanent ones
→ "failed" at once), because a durable retry policy retries every exception alike. Each attempt is logged
(`notification_log`), visible through `GET /api/v1/notifications`. `drain` runs the same attempts in a loop without
the engine (tests, a one-off flush).
"""
from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from shared import settings
from shared.durable import LIVE_RUNTIME_STATUSES, Starter, runtime_name
from shared.notifications import outbox, webhook
from shared.notifications.models import NotifyInput, SendOutcome
from shared.notifications.outbox import Notification, OutboxStatus
from shared.notifications.smtp import SendError, SmtpConfig, send
from shared.storage.db import Database

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_RETRY_DELAY = timedelta(hours=1)

Sender = Callable[[Notification], None]


@dataclass(frozen=True)
class JobEvent:
    """What happened to a job, in words for people; `attempt` separates a restarted job's second failure."""

    kind: str            # failure, success, new-critical, new-high, score-drop, new-violations
    job_id: str
    attempt: int
    product: str         # "analysis" or "policy-scan"
    title: str           # one line: what ran (target, schedule)
    detail: str          # what happened (error text, findings)
    schedule_id: str | None = None
    lines: tuple[str, ...] = ()


def job_link(job_id: str) -> str:
    return f"{settings.app_public_url()}/api/dashboard#job={job_id}"


def compose(event: JobEvent, recipients: list[str]) -> Notification:
    verb = {"failure": "FAILED", "success": "succeeded"}.get(event.kind, event.kind)
    subject = f"[{event.product}] {event.title}: {verb}"
    link = job_link(event.job_id)
    text_lines = [f"{event.title}: {verb}", "", event.detail, *event.lines, "",
                  f"Job: {event.job_id} (attempt {event.attempt})"]
    if event.schedule_id:
        text_lines.append(f"Schedule: {event.schedule_id}")
    text_lines += [f"Open the job: {link}", ""]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in event.lines)
    body_html = (f"<html><body><h2>{html.escape(event.title)}: {html.escape(verb)}</h2>"
                 f"<p>{html.escape(event.detail)}</p>" + (f"<ul>{items}</ul>" if items else "") +
                 f"<p>Job <code>{html.escape(event.job_id)}</code> (attempt {event.attempt})" +
                 (f", schedule <code>{html.escape(event.schedule_id)}</code>" if event.schedule_id else "") +
                 f"</p><p><a href=\"{html.escape(link, quote=True)}\">Open the job</a></p></body></html>")
    return Notification(f"{event.kind}:{event.job_id}:{event.attempt}", event.kind, event.job_id, sorted(recipients),
                        subject, "\n".join(text_lines), body_html)


def notify_job_event(db: Database, event: JobEvent, recipients: list[str]) -> bool:
    """Queue one e-mail for the event, and one webhook post when a webhook is configured (a second call for the
    same event queues nothing); False if nothing was queued."""
    wanted = sorted({r for r in recipients if r})
    queued = False
    if wanted:
        queued = outbox.enqueue(db, compose(event, wanted))
        if queued:
            log.info("notification queued: %s for %s (%d recipient(s))", event.kind, event.job_id, len(wanted))
    url = settings.notify_webhook_url()
    if url:
        problem = webhook.url_problem(url)
        if problem:
            log.error("webhook notification not queued: %s", problem)
        else:
            note = compose(event, [])
            queued = outbox.enqueue(db, replace(note, outbox_id="webhook:" + note.outbox_id,
                                                channel="webhook")) or queued
    return queued


def retry_delay(attempt: int) -> timedelta:
    base = timedelta(seconds=max(1, settings.notify_retry_seconds()))
    return min(MAX_RETRY_DELAY, base * (2 ** max(0, attempt - 1)))


def default_sender() -> Sender:
    """E-mail over SMTP, webhook rows to the configured webhook."""
    config = SmtpConfig.from_settings()
    return lambda note: webhook.post(note) if note.channel == "webhook" else send(config, note)


def _channels() -> tuple[str, ...]:
    """The channels that can send now: e-mail waits (without spending attempts) while SMTP is not configured."""
    return ("email", "webhook") if SmtpConfig.from_settings().problem() is None else ("webhook",)


def attempt(db: Database, outbox_id: str, sender: Sender | None = None, *, owner: str | None = None,
            due_only: bool = True) -> SendOutcome:
    """One try at one row: claim it, send, record the attempt. Blocking (SMTP): run it in an activity or a thread.

    The outcome says what comes next, and nothing is raised for an SMTP error: "sent" and "failed" (a 5xx, or the
    attempts ran out) are final; "retry" and "busy" carry the time of the next try; "done" means the row was
    already final (a duplicate start, a restart after the send), so nothing is sent twice."""
    owner = owner or "sender-" + uuid.uuid4().hex[:12]
    if sender is None:
        current = outbox.get(db, outbox_id)
        if current is not None and current.notification.channel not in _channels():
            return SendOutcome("waiting", "e-mail is not configured", None, current.attempts)
        sender = default_sender()
    item = outbox.claim(db, outbox_id, owner, datetime.now(timezone.utc), LEASE, due_only=due_only)
    if item is None:
        return _not_claimed(db, outbox_id)
    try:
        sender(item.notification)
    except SendError as exc:
        if exc.transient and item.attempts < settings.notify_max_attempts():
            retry_at = datetime.now(timezone.utc) + retry_delay(item.attempts)
            outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.PENDING, str(exc), retry_at)
            log.warning("notification %s: attempt %d failed, retrying at %s: %s", outbox_id, item.attempts,
                        retry_at.isoformat(timespec="seconds"), exc)
            return SendOutcome("retry", str(exc), outbox.now_iso(retry_at), item.attempts)
        reason = str(exc) if not exc.transient else f"gave up after {item.attempts} attempts: {exc}"
        outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.FAILED, reason)
        log.error("notification %s: not sent: %s", outbox_id, reason)
        return SendOutcome("failed", reason, None, item.attempts)
    except Exception as exc:  # noqa: BLE001 - a bug in a sender must not stop the other messages
        retry_at = datetime.now(timezone.utc) + retry_delay(item.attempts)
        outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.PENDING,
                      f"unexpected {exc.__class__.__name__}", retry_at)
        log.error("notification %s: unexpected %s (not logged in full: it may hold settings)", outbox_id,
                  exc.__class__.__name__)
        return SendOutcome("retry", f"unexpected {exc.__class__.__name__}", outbox.now_iso(retry_at), item.attempts)
    outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.SENT, None)
    log.info("notification %s sent to %d recipient(s)", outbox_id, len(item.notification.recipients))
    return SendOutcome("sent", None, None, item.attempts)


def _not_claimed(db: Database, outbox_id: str) -> SendOutcome:
    """Why the row could not be taken: already final, or (both "busy", nothing attempted) held by a sender until
    its lease ends, or not due yet."""
    item = outbox.get(db, outbox_id)
    if item is None or item.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
        return SendOutcome("done", item.status.value if item else "no such notification", None,
                           item.attempts if item else 0)
    if item.status is OutboxStatus.SENDING:
        return SendOutcome("busy", "another sender holds it", outbox.claimed_until(db, outbox_id), item.attempts)
    return SendOutcome("busy", "not due yet", item.next_attempt_at, item.attempts)


def drain(db: Database, sender: Sender | None = None, *, owner: str | None = None, limit: int = 50) -> dict[str, int]:
    """Send what is due, one `attempt` per row, without the durable engine; returns counts by result."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    channels: tuple[str, ...] = ("email", "webhook")
    if sender is None:
        channels = _channels()
        if "email" not in channels and outbox.due_ids(db, outbox.now_iso(), 1, ("email",)):
            log.warning("notifications are waiting: e-mail is not configured (%s)",
                        SmtpConfig.from_settings().problem())
    for outbox_id in outbox.due_ids(db, outbox.now_iso(), limit, channels):
        result = attempt(db, outbox_id, sender, owner=owner)
        if result.outcome in counts:
            counts[result.outcome] += 1
    return counts


# -- sending from Durable Functions -------------------------------------------------------------------------------
ORCHESTRATOR = "notification_orchestrator"


def instance_id_for(outbox_id: str) -> str:
    """The notify orchestration of one event: derived from the event key, so every start of it is the same
    instance (event keys hold `:` and can be long; a digest is a safe, fixed-length instance id)."""
    return "notify-" + hashlib.sha256(outbox_id.encode()).hexdigest()[:40]


async def dispatch(client: Starter, db: Database, limit: int = 50) -> list[str]:
    """Start the notify orchestration of every due row that has none running; returns the outbox ids started.

    Due rows are Pending ones whose time came (just queued, or waiting for a retry whose orchestration is gone:
    the local engine forgets instances on restart) and Sending ones whose sender's lease ran out (it died mid-send).
    A row whose orchestration is alive is left to it. Two dispatchers racing for one row start one instance (the
    engine refuses a second start of a running id); were both to run, the row's claim still lets one of them send.
    """
    due = await asyncio.to_thread(outbox.due_ids, db, outbox.now_iso(), limit, _channels())
    started: list[str] = []
    for outbox_id in due:
        instance_id = instance_id_for(outbox_id)
        try:
            if runtime_name(await client.get_status(instance_id)) in LIVE_RUNTIME_STATUSES:
                continue
            await client.start_new(ORCHESTRATOR, instance_id, NotifyInput(outbox_id).to_json())
            started.append(outbox_id)
        except Exception as exc:  # noqa: BLE001 - already started elsewhere, or the engine is busy: next tick
            log.info("notification %s: not dispatched now (%s)", outbox_id, type(exc).__name__)
    return started
