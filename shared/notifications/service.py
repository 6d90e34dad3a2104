"""Notification use cases: turn a job event into one queued message, and drain the outbox.

`notify_job_event` only writes the outbox (cheap, idempotent, callable from any tick or host); `drain` does the
network I/O, one claimed row at a time, retrying transient SMTP errors with a doubling delay and giving up at once
on permanent ones. Each attempt is logged (`notification_log`), visible through `GET /api/v1/notifications`.
"""
from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from shared import settings
from shared.notifications import outbox, webhook
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


def drain(db: Database, sender: Sender | None = None, *, owner: str | None = None, limit: int = 50) -> dict[str, int]:
    """Send what is due; returns counts by result. Blocking (SMTP): call it from a worker thread."""
    owner = owner or "sender-" + uuid.uuid4().hex[:12]
    counts = {"sent": 0, "retry": 0, "failed": 0}
    channels: tuple[str, ...] = ("email", "webhook")
    if sender is None:
        problem = SmtpConfig.from_settings().problem()
        if problem:  # not configured (yet): keep e-mail Pending instead of spending its attempts
            channels = ("webhook",)
            if outbox.due_ids(db, outbox.now_iso(), 1, ("email",)):
                log.warning("notifications are waiting: e-mail is not configured (%s)", problem)
        sender = default_sender()
    now = datetime.now(timezone.utc)
    for outbox_id in outbox.due_ids(db, outbox.now_iso(now), limit, channels):
        item = outbox.claim(db, outbox_id, owner, datetime.now(timezone.utc), LEASE)
        if item is None:
            continue  # another sender took it
        try:
            sender(item.notification)
        except SendError as exc:
            last = item.attempts >= settings.notify_max_attempts()
            if exc.transient and not last:
                retry_at = datetime.now(timezone.utc) + retry_delay(item.attempts)
                outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.PENDING, str(exc), retry_at)
                counts["retry"] += 1
                log.warning("notification %s: attempt %d failed, retrying at %s: %s", outbox_id, item.attempts,
                            retry_at.isoformat(timespec="seconds"), exc)
            else:
                reason = str(exc) if not exc.transient else f"gave up after {item.attempts} attempts: {exc}"
                outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.FAILED, reason)
                counts["failed"] += 1
                log.error("notification %s: not sent: %s", outbox_id, reason)
            continue
        except Exception as exc:  # noqa: BLE001 - a bug in a sender must not stop the other messages
            retry_at = datetime.now(timezone.utc) + retry_delay(item.attempts)
            outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.PENDING,
                          f"unexpected {exc.__class__.__name__}", retry_at)
            counts["retry"] += 1
            log.error("notification %s: unexpected %s (not logged in full: it may hold settings)", outbox_id,
                      exc.__class__.__name__)
            continue
        outbox.finish(db, outbox_id, owner, item.attempts, OutboxStatus.SENT, None)
        counts["sent"] += 1
        log.info("notification %s sent to %d recipient(s)", outbox_id, len(item.notification.recipients))
    return counts
