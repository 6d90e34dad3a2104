"""E-mail through a real SMTP server (aiosmtpd): plain, STARTTLS and implicit TLS with AUTH, an authentication
failure, 4xx and 5xx replies, and an outage (server down → sent once when it is back, never twice). The outbox
lives in a real SQLite application database; two senders draining at once send each message once."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared.notifications import outbox
from shared.notifications import service as notifications
from shared.notifications.outbox import Notification, OutboxStatus
from shared.notifications.service import JobEvent
from shared.storage.db import Database
from tests.support.smtp_server import SmtpServer

PASSWORD = "s3cr3t-Pa55word-for-smtp"
# The test server over implicit TLS: aiosmtpd cannot tell the socket is TLS, so it warns about AUTH without TLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def settings_for(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def apply(server: SmtpServer, **extra: str) -> None:
        for key, value in server.env(**extra).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("NOTIFY_RETRY_SECONDS", "1")
        monkeypatch.setenv("APP_PUBLIC_URL", "https://jobs.example.com")
    return apply


def event(job_id: str = "analysis-" + "a" * 32, kind: str = "failure") -> JobEvent:
    return JobEvent(kind, job_id, 1, "analysis", "analysis of 127.0.0.1:5432/shop", "connection refused three times",
                    "nightly-shop", ("retries exhausted",))


def queue(db: Database, job_id: str = "analysis-" + "a" * 32) -> str:
    assert notifications.notify_job_event(db, event(job_id), ["dba@example.com", "ops@example.com"])
    return f"failure:{job_id}:1"


@pytest.mark.parametrize("mode", ["none", "starttls", "tls"])
def test_a_failure_mail_arrives_with_text_html_and_the_link(db: Database, tmp_path: Path, settings_for, mode: str
                                                            ) -> None:
    users = {"jobs": PASSWORD} if mode != "none" else None
    server = SmtpServer(tmp_path, mode=mode, users=users).start()
    try:
        settings_for(server, **({"SMTP_USER": "jobs", "SMTP_PASSWORD": PASSWORD} if users else {}))
        outbox_id = queue(db)
        assert notifications.drain(db) == {"sent": 1, "retry": 0, "failed": 0}
        assert len(server.messages) == 1
        message = server.messages[0]
        assert message["Subject"] == "[analysis] analysis of 127.0.0.1:5432/shop: FAILED"
        assert server.envelopes[0] == ("jobs@example.com", ["dba@example.com", "ops@example.com"])
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        link = "https://jobs.example.com/api/dashboard#job=analysis-" + "a" * 32
        assert link in text and f'href="{link}"' in html and "connection refused three times" in text
        assert message["X-Job-Event"] == outbox_id
        if users:
            assert server.auth_attempts == ["jobs"]
        item = outbox.get(db, outbox_id)
        assert item is not None and item.status is OutboxStatus.SENT and item.attempts == 1
        assert notifications.drain(db) == {"sent": 0, "retry": 0, "failed": 0}  # a second drain sends nothing
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_the_same_event_queued_twice_is_one_message(db: Database) -> None:
    queue(db)
    assert notifications.notify_job_event(db, event(), ["dba@example.com"]) is False
    assert outbox.list_items(db, None, 0, 10)[1] == 1


def test_an_outage_loses_nothing_and_the_mail_goes_out_once_when_the_server_is_back(
        db: Database, tmp_path: Path, settings_for) -> None:
    server = SmtpServer(tmp_path, mode="starttls", users={"jobs": PASSWORD})
    settings_for(server, SMTP_USER="jobs", SMTP_PASSWORD=PASSWORD)
    outbox_id = queue(db)
    assert notifications.drain(db) == {"sent": 0, "retry": 1, "failed": 0}  # nothing listens: refused
    item = outbox.get(db, outbox_id)
    assert item is not None and item.status is OutboxStatus.PENDING and "cannot reach" in (item.last_error or "")
    assert notifications.drain(db)["retry"] == 0  # not due yet: no hammering
    server.start()
    try:
        deadline = time.monotonic() + 30
        while not server.messages and time.monotonic() < deadline:
            notifications.drain(db)
            time.sleep(0.2)
        for _ in range(3):
            notifications.drain(db)
        assert len(server.messages) == 1
        item = outbox.get(db, outbox_id)
        assert item is not None and item.status is OutboxStatus.SENT and item.attempts == 2
        tries = outbox.attempts(db, [outbox_id])[outbox_id]
        assert [t.outcome for t in tries] == ["retry", "sent"]
    finally:
        server.stop()


def test_wrong_password_is_permanent_and_never_logged(db: Database, tmp_path: Path, settings_for,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    server = SmtpServer(tmp_path, mode="starttls", users={"jobs": "the-right-one"}).start()
    try:
        settings_for(server, SMTP_USER="jobs", SMTP_PASSWORD=PASSWORD)
        outbox_id = queue(db)
        with caplog.at_level(logging.DEBUG):
            assert notifications.drain(db) == {"sent": 0, "retry": 0, "failed": 1}
        item = outbox.get(db, outbox_id)
        assert item is not None and item.status is OutboxStatus.FAILED and "SMTP 535" in (item.last_error or "")
        recorded = caplog.text + repr(item) + repr(outbox.attempts(db, [outbox_id]))
        assert PASSWORD not in recorded
        assert notifications.drain(db)["failed"] == 0 and not server.messages  # not retried
    finally:
        server.stop()


def test_4xx_is_retried_and_5xx_is_not(db: Database, tmp_path: Path, settings_for) -> None:
    server = SmtpServer(tmp_path).start()
    try:
        settings_for(server)
        server.refuse_data = "451 4.3.0 try again later"
        first = queue(db, "analysis-" + "1" * 32)
        assert notifications.drain(db) == {"sent": 0, "retry": 1, "failed": 0}
        server.refuse_data = None
        time.sleep(1.1)
        assert notifications.drain(db) == {"sent": 1, "retry": 0, "failed": 0}
        sent = outbox.get(db, first)
        assert sent is not None and sent.status is OutboxStatus.SENT and sent.attempts == 2

        server.refuse_data = "554 5.7.1 rejected by policy"
        second = queue(db, "analysis-" + "2" * 32)
        assert notifications.drain(db) == {"sent": 0, "retry": 0, "failed": 1}
        failed = outbox.get(db, second)
        assert failed is not None and failed.status is OutboxStatus.FAILED and "554" in (failed.last_error or "")
        server.refuse_data = None
        time.sleep(1.1)
        assert notifications.drain(db) == {"sent": 0, "retry": 0, "failed": 0}  # a permanent refusal stays final
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_two_senders_draining_at_once_send_each_message_once(db: Database, tmp_path: Path) -> None:
    for i in range(20):
        outbox.enqueue(db, Notification(f"failure:job-{i}:1", "failure", f"job-{i}", ["a@example.com"], "s", "t",
                                        "<p>h</p>"))
    delivered: list[str] = []
    lock = threading.Lock()

    def slow_sender(note: Notification) -> None:
        time.sleep(0.01)
        with lock:
            delivered.append(note.outbox_id)

    second = Database(f"sqlite:///{tmp_path / 'app.db'}")
    barrier = threading.Barrier(2)

    def run(database: Database) -> None:
        barrier.wait()
        notifications.drain(database, slow_sender)
        database.close()

    threads = [threading.Thread(target=run, args=(d,)) for d in (db, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(delivered) == sorted(f"failure:job-{i}:1" for i in range(20))


def test_a_sender_that_died_mid_send_loses_only_its_lease(db: Database) -> None:
    outbox_id = queue(db)
    now = datetime.now(timezone.utc)
    assert outbox.claim(db, outbox_id, "dead-host", now, timedelta(seconds=1)) is not None
    assert outbox.claim(db, outbox_id, "other", now, timedelta(seconds=60)) is None  # still leased
    later = now + timedelta(seconds=2)
    taken = outbox.claim(db, outbox_id, "other", later, timedelta(seconds=60))
    assert taken is not None and taken.attempts == 2
    assert outbox.finish(db, outbox_id, "dead-host", 1, OutboxStatus.SENT, None) is False  # the old owner is out


def test_without_smtp_settings_messages_wait_without_spending_attempts(db: Database,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_HOST", raising=False)
    outbox_id = queue(db)
    assert notifications.drain(db) == {"sent": 0, "retry": 0, "failed": 0}
    item = outbox.get(db, outbox_id)
    assert item is not None and item.status is OutboxStatus.PENDING and item.attempts == 0


def test_an_attempt_classifies_and_a_second_start_of_the_same_event_sends_nothing(
        db: Database, tmp_path: Path, settings_for) -> None:
    """What the notify activity does: 4xx → "retry" with its time (the orchestration's timer decides when, so the
    next attempt is not turned away as early), then "sent"; a duplicate or restarted orchestration of the same
    event gets "done"; a row held by a live sender is "busy" until its lease ends."""
    server = SmtpServer(tmp_path).start()
    try:
        settings_for(server)
        server.refuse_data, server.refusals_left = "451 4.3.0 try again later", 1
        outbox_id = queue(db)
        first = notifications.attempt(db, outbox_id, due_only=False)
        assert first.outcome == "retry" and first.attempt == 1 and first.retry_at and "451" in (first.message or "")
        second = notifications.attempt(db, outbox_id, due_only=False)  # before next_attempt_at: still taken
        assert second.outcome == "sent" and second.attempt == 2
        assert notifications.attempt(db, outbox_id, due_only=False).outcome == "done"
        assert len(server.messages) == 1
        assert [t.outcome for t in outbox.attempts(db, [outbox_id])[outbox_id]] == ["retry", "sent"]

        other = queue(db, "analysis-" + "b" * 32)
        assert outbox.claim(db, other, "live-sender", datetime.now(timezone.utc), timedelta(minutes=2)) is not None
        busy = notifications.attempt(db, other, due_only=False)
        assert busy.outcome == "busy" and busy.retry_at is not None and len(server.messages) == 1
    finally:
        server.stop()
