"""E-mail sent from a Durable activity, through the local host and a real SMTP server (aiosmtpd): a 4xx reply then
a success is two logged attempts and one e-mail, and a host restart between attempts (the local engine forgets the
waiting orchestration) neither loses the message nor sends it twice, however often the event is observed again.

The failure event comes from a real failed analysis (a closed port), announced to `NOTIFY_FAILURE_RECIPIENTS` by
the tick, run on demand through the admin API as against a real Functions host.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from shared.notifications.service import instance_id_for
from tests.e2e.analysis_support import host_env, start, wait_final
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.smtp_server import SmtpServer
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.live]
# Long enough that the refused attempt's retry is not due before the host is back (a restart takes seconds).
RESTART_RETRY_SECONDS = 10


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    (tmp_path / "smtp").mkdir()
    server = SmtpServer(tmp_path / "smtp").start()
    yield server
    server.stop()


def make_host(local_host: Callable[..., LocalHost], smtp: SmtpServer, tmp_path: Path, retry_seconds: int) -> LocalHost:
    return local_host(env=host_env(
        ANALYZER_CONNECTION_BROKEN=f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={closed_port()};"
                                   "Database=postgres;Uid=postgres;Pwd=x;",
        APP_DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", APP_PUBLIC_URL="https://jobs.example.com",
        NOTIFY_FAILURE_RECIPIENTS="oncall@example.com", NOTIFY_RETRY_SECONDS=str(retry_seconds),
        FUNCTIONS_DEVHOST_LOG_LEVEL="WARNING", **smtp.env()), grace=3)


def tick(host: LocalHost) -> None:
    response = requests.post(host.url("/admin/functions/schedules_tick"), json={"input": ""},
                             headers={"x-functions-key": host.master_key}, timeout=10)
    assert response.status_code == 202, response.text


def failed_job(host: LocalHost) -> str:
    job_id = start(host, {"connectionName": "broken", "analysisType": "quick"})["jobId"]
    assert wait_final(host, job_id)[-1]["status"] == "Failed"
    return job_id


def notification(host: LocalHost, job_id: str) -> dict[str, Any] | None:
    listed = host.get(f"/api/v1/notifications?jobId={job_id}")
    assert listed.status_code == 200
    assert_matches_openapi(listed)
    items = [i for i in listed.json()["items"] if i["channel"] == "email"] if listed.json()["items"] else []
    return items[0] if items else None


def outcomes(item: dict[str, Any] | None) -> list[str]:
    return [a["outcome"] for a in item["attempts"]] if item else []


def mails_for(smtp: SmtpServer, job_id: str) -> list[Any]:
    return [m for m in smtp.messages if job_id in (m["X-Job-Event"] or "")]


def orchestration(host: LocalHost, job_id: str) -> dict[str, Any]:
    """The notification's orchestration once it has returned (the row is Sent inside its activity, before that)."""
    return host.instance_once_ended(instance_id_for(f"failure:{job_id}:1"), history=True)


def test_a_4xx_then_success_is_two_logged_attempts_and_one_mail(local_host: Callable[..., LocalHost],
                                                                 smtp: SmtpServer, tmp_path: Path) -> None:
    host = make_host(local_host, smtp, tmp_path, retry_seconds=1)
    smtp.refuse_data, smtp.refusals_left = "451 4.3.0 mailbox busy, try again", 1
    job_id = failed_job(host)
    tick(host)
    wait_for(lambda: mails_for(smtp, job_id), "the e-mail after the retry")
    item = wait_for(lambda: (lambda i: i if i and i["status"] == "Sent" else None)(notification(host, job_id)),
                    "the notification to be Sent")
    assert outcomes(item) == ["retry", "sent"] and "451" in item["attempts"][0]["message"]
    durable = orchestration(host, job_id)
    assert durable["runtimeStatus"] == "Completed" and durable["output"]["outcome"] == "sent"
    kinds = [(e["EventType"], e.get("FunctionName")) for e in durable["historyEvents"]
             if e["EventType"] in ("TaskCompleted", "TimerFired")]
    # both attempts were the activity's, the wait between them a durable timer
    assert kinds == [("TaskCompleted", "notification_send"), ("TimerFired", None),
                     ("TaskCompleted", "notification_send")], durable["historyEvents"]
    for _ in range(3):  # the same failure observed again: nothing new is sent
        tick(host)
        time.sleep(0.5)
    assert len(mails_for(smtp, job_id)) == 1
    assert outcomes(notification(host, job_id)) == ["retry", "sent"]


def test_a_host_restart_between_attempts_neither_loses_nor_resends_the_mail(
        local_host: Callable[..., LocalHost], smtp: SmtpServer, tmp_path: Path) -> None:
    host = make_host(local_host, smtp, tmp_path, retry_seconds=RESTART_RETRY_SECONDS)
    smtp.refuse_data = "421 4.7.0 temporarily unavailable"
    job_id = failed_job(host)
    tick(host)
    first = wait_for(lambda: (lambda i: i if outcomes(i) == ["retry"] else None)(notification(host, job_id)),
                     "the first, refused attempt")
    due = datetime.fromisoformat(first["nextAttemptAt"])
    host.restart()  # the waiting orchestration (and its durable timer) is gone with the in-memory engine
    smtp.refuse_data = None
    if datetime.now(timezone.utc) < due - timedelta(seconds=3):  # the restart was quick enough to look
        tick(host)  # not due yet: nothing is started early
        time.sleep(1)
        assert outcomes(notification(host, job_id)) == ["retry"] and not mails_for(smtp, job_id)
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 0.2)
    tick(host)  # due: the sweep starts the event's orchestration again, which sends it
    wait_for(lambda: mails_for(smtp, job_id), "the e-mail after the restart")
    wait_for(lambda: outcomes(notification(host, job_id)) == ["retry", "sent"], "the second attempt logged")
    host.restart()
    for _ in range(3):  # after another restart the event is observed again: still one e-mail
        tick(host)
        time.sleep(0.5)
    assert len(mails_for(smtp, job_id)) == 1
    item = notification(host, job_id)
    assert item is not None and item["status"] == "Sent" and outcomes(item) == ["retry", "sent"]
