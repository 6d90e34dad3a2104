"""The webhook channel against a real local HTTP server: one POST per event with the text and the link, 500
retried and sent once, 400 final, hosts off the allow-list refused, and the URL (a credential) never logged."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared.notifications import outbox
from shared.notifications import service as notifications
from shared.notifications.outbox import OutboxStatus
from shared.notifications.service import JobEvent
from shared.storage.db import Database

TOKEN = "T000-secret-hook-token"


class Hook:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.answers: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                code = hook.answers.pop(0) if hook.answers else 200
                if code == 200:
                    hook.posts.append({"path": self.path, "body": json.loads(body)})
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{TOKEN}"


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    server = Hook()
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", server.url)
    monkeypatch.setenv("NOTIFY_RETRY_SECONDS", "1")
    monkeypatch.setenv("APP_PUBLIC_URL", "https://jobs.example.com")
    monkeypatch.delenv("SMTP_HOST", raising=False)
    yield server
    server.server.shutdown()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.migrate()
    yield database
    database.close()


def event(job: str = "scan-20261205000000-abcdef") -> JobEvent:
    return JobEvent("failure", job, 1, "policy-scan", "policy scan of acme", "GitHub answered 502 three times")


def test_one_post_per_event_with_the_text_and_link(db: Database, hook: Hook) -> None:
    assert notifications.notify_job_event(db, event(), [])  # no e-mail recipients: the webhook alone
    assert notifications.notify_job_event(db, event(), []) is False
    assert notifications.drain(db) == {"sent": 1, "retry": 0, "failed": 0}
    assert notifications.drain(db)["sent"] == 0
    assert len(hook.posts) == 1
    text = hook.posts[0]["body"]["text"]
    assert "policy scan of acme: FAILED" in text and "GitHub answered 502" in text
    assert "https://jobs.example.com/api/dashboard#job=scan-20261205000000-abcdef" in text
    item = outbox.get(db, "webhook:failure:scan-20261205000000-abcdef:1")
    assert item is not None and item.notification.channel == "webhook" and item.status is OutboxStatus.SENT


def test_5xx_is_retried_and_sent_once_4xx_is_final_and_the_url_is_never_logged(
        db: Database, hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    hook.answers = [503]
    notifications.notify_job_event(db, event("job-a"), [])
    with caplog.at_level(logging.DEBUG):
        assert notifications.drain(db)["retry"] == 1
        time.sleep(1.1)
        assert notifications.drain(db)["sent"] == 1
        hook.answers = [400]
        notifications.notify_job_event(db, event("job-b"), [])
        assert notifications.drain(db)["failed"] == 1
    assert [p["body"]["text"].count("job-a") > 0 for p in hook.posts] == [True]
    failed = outbox.get(db, "webhook:failure:job-b:1")
    assert failed is not None and failed.status is OutboxStatus.FAILED and "answered 400" in (failed.last_error or "")
    recorded = caplog.text + repr(outbox.list_items(db, None, 0, 10)) + \
        repr(outbox.attempts(db, [failed.notification.outbox_id]))
    assert TOKEN not in recorded


@pytest.mark.parametrize("url", ["https://evil.example.net/hook", "http://hooks.slack.com/services/x",
                                 "ftp://127.0.0.1/x"])
def test_a_webhook_off_the_allow_list_gets_nothing(db: Database, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", url)
    assert notifications.notify_job_event(db, event(), []) is False
    assert outbox.list_items(db, None, 0, 10)[1] == 0
