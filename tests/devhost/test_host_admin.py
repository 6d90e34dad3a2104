"""The admin API that runs a non-HTTP function now (`POST /admin/functions/{name}`), on a subprocess host against
Azurite: 202 and a background invocation for timer and queue functions, 401 without the master key, 404 for an
unknown function, 400 for bodies and functions it cannot take — and none of the refusals runs anything."""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient

from tests.devhost_app._record import records
from tests.support.local_host import LocalHost
from tests.support.waiting import HANG_GUARD_S, wait_for

APP = "tests.devhost_app.function_app:app"
REASON = "Reason='This function was programmatically called via the host APIs.'"


@pytest.fixture(scope="module")
def queues() -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {"work": f"adm-work-{suffix}", "fail": f"adm-fail-{suffix}"}


@pytest.fixture(scope="module")
def host(local_host, queues: dict[str, str]) -> Iterator[LocalHost]:
    started = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": queues["work"],
                                       "DEVHOST_TEST_FAIL_QUEUE": queues["fail"]})
    yield started
    started.stop()


def admin_post(host: LocalHost, name: str, body: Any = None, key: str | None = "master",
               raw: bytes | None = None) -> requests.Response:
    headers = {"content-type": "application/json"}
    if key == "master":
        headers["x-functions-key"] = host.master_key
    elif key:
        headers["x-functions-key"] = key
    data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    return requests.post(host.url(f"/admin/functions/{name}"), data=data, headers=headers, timeout=HANG_GUARD_S)


def test_timer_function_runs_not_past_due_with_its_recorded_schedule_status(host: LocalHost) -> None:
    status_file = host.workdir / "state" / "timers" / "slow_timer.status.json"
    recorded = wait_for(lambda: status_file.exists() and json.loads(status_file.read_text()))
    response = admin_post(host, "slow_timer", {"input": "ignored by timers"})
    assert response.status_code == 202
    assert response.content == b""
    seen = wait_for(lambda: records(host.output_dir, "slow_timer"))
    assert len(seen) == 1 and seen[0]["past_due"] is False
    assert seen[0]["status"]["Next"] == recorded["Next"]                       # yearly: next 1 January, UTC
    assert dt.datetime.fromisoformat(recorded["Next"]).strftime("%m-%d %H:%M:%S") == "01-01 00:00:00"
    assert json.loads(status_file.read_text())["Last"] is None                  # a manual run is no occurrence
    assert "Executing 'Functions.slow_timer' (" + REASON in host.log_text()


def test_function_names_are_case_insensitive_and_an_empty_object_is_enough_for_a_timer(host: LocalHost) -> None:
    before = len(records(host.output_dir, "startup_timer"))
    assert admin_post(host, "Startup_Timer", {}).status_code == 202
    after = wait_for(lambda: records(host.output_dir, "startup_timer")[before:])
    assert after == [{"past_due": False}]


def test_queue_function_gets_the_input_as_message_body_without_touching_its_queue(host: LocalHost, azurite,
                                                                                  queues) -> None:
    body = f"manual-{uuid.uuid4().hex}"
    response = requests.post(host.url("/admin/functions/queue_ok"), params={"code": host.master_key},
                             json={"input": body}, timeout=HANG_GUARD_S)
    assert response.status_code == 202
    seen = wait_for(lambda: [r for r in records(host.output_dir, "queue_ok") if r["body"] == body])
    assert len(seen) == 1
    assert seen[0]["dequeue_count"] == 1 and seen[0]["id"] and seen[0]["inserted"]
    queue = QueueClient.from_connection_string(azurite["connection_string"], queues["work"])
    assert not [m for m in queue.peek_messages(max_messages=32) if body in str(m.content)]
    assert "Executing 'Functions.queue_ok' (" + REASON in host.log_text()


def test_a_failing_queue_function_is_logged_once_and_nothing_is_poisoned(host: LocalHost, azurite,
                                                                         queues) -> None:
    body = f"manual-bad-{uuid.uuid4().hex}"
    assert admin_post(host, "queue_fail", {"input": body}).status_code == 202
    wait_for(lambda: [r for r in records(host.output_dir, "queue_fail") if r["body"] == body])
    wait_for(lambda: "Executed 'Functions.queue_fail' (Failed" in host.log_text())
    time.sleep(1.5)                                                             # past visibilityTimeout (1 s)
    assert len([r for r in records(host.output_dir, "queue_fail") if r["body"] == body]) == 1
    poison = QueueClient.from_connection_string(azurite["connection_string"], f"{queues['fail']}-poison")
    try:
        poisoned = [m for m in poison.peek_messages(max_messages=32)]
    except Exception:  # noqa: BLE001 - the poison queue does not exist: nothing was poisoned
        poisoned = []
    assert not poisoned
    assert requests.get(host.url("/admin/host/status"), timeout=HANG_GUARD_S).json()["state"] == "Running"


@pytest.mark.parametrize("key", [None, "function", "wrong"])
def test_without_the_master_key_the_answer_is_401_and_nothing_runs(host: LocalHost, key: str | None) -> None:
    presented = {"function": host.function_key, "wrong": "not-a-key", None: None}[key]
    body = f"unauthorized-{uuid.uuid4().hex}"
    response = admin_post(host, "queue_ok", {"input": body}, key=presented)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "master key" in response.json()["detail"]
    time.sleep(0.5)
    assert not [r for r in records(host.output_dir, "queue_ok") if r["body"] == body]


def test_an_unknown_function_is_404_even_with_the_master_key(host: LocalHost) -> None:
    response = admin_post(host, "no_such_function", {"input": "x"})
    assert response.status_code == 404
    assert "no_such_function" in response.json()["detail"]


@pytest.mark.parametrize("name, raw, field", [
    ("queue_ok", b"not json", "body"),
    ("queue_ok", b'["a list"]', "body"),
    ("queue_ok", b'{"input": 42}', "input"),
    ("queue_ok", b"{}", "input"),                       # a queue message needs a body
    ("http_echo", b'{"input": "x"}', "functionName"),   # HTTP functions are called through their URL
    ("host_hello_activity", b'{"input": "x"}', "functionName"),  # activities run in orchestrations
])
def test_input_it_cannot_take_is_400_naming_the_field_and_nothing_runs(host: LocalHost, name: str, raw: bytes,
                                                                       field: str) -> None:
    before = len(host.log_text().split(REASON))
    response = admin_post(host, name, raw=raw)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    time.sleep(0.3)
    assert len(host.log_text().split(REASON)) == before
