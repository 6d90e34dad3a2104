"""Queue triggers of the local host against a real Azurite: base64 bodies, plain-text fallback, output bindings, and
the poison path (`maxDequeueCount` 2 and `visibilityTimeout` 1 s in `tests/devhost_app/host.json`)."""
from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient

from tests.devhost_app._record import records
from tests.support.local_host import LocalHost
from tests.support.waiting import HANG_GUARD_S, wait_for

APP = "tests.devhost_app.function_app:app"


@pytest.fixture(scope="module")
def queues() -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {"work": f"work-{suffix}", "fail": f"fail-{suffix}"}


@pytest.fixture(scope="module")
def host(local_host, queues: dict[str, str]) -> Iterator[LocalHost]:
    started = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": queues["work"],
                                       "DEVHOST_TEST_FAIL_QUEUE": queues["fail"]})
    yield started
    started.stop()


@pytest.fixture(scope="module")
def queue(azurite: dict[str, Any]) -> Callable[[str], QueueClient]:
    """A producer's client. It creates its queue if needed, as a producer must: the host's listener creates the queue
    it watches only once it starts polling, which is after the host answers as ready."""
    def client(name: str) -> QueueClient:
        queue = QueueClient.from_connection_string(azurite["connection_string"], name)
        try:
            queue.create_queue()
        except ResourceExistsError:
            pass
        return queue
    return client


def test_base64_message_is_decoded_and_passed_as_queue_message(host: LocalHost, queue, queues) -> None:
    body = f"payload-{uuid.uuid4().hex}"
    sent = queue(queues["work"]).send_message(base64.b64encode(body.encode()).decode())
    seen = wait_for(lambda: [r for r in records(host.output_dir, "queue_ok") if r["body"] == body])
    assert seen[0]["id"] == sent.id
    assert seen[0]["dequeue_count"] == 1
    assert seen[0]["inserted"]
    wait_for(lambda: not list(queue(queues["work"]).peek_messages()))   # deleted after success


def test_plain_text_message_is_accepted_as_is(host: LocalHost, queue, queues) -> None:
    body = f"plain text {uuid.uuid4().hex} !"   # spaces and "!" are not base64
    queue(queues["work"]).send_message(body)
    wait_for(lambda: [r for r in records(host.output_dir, "queue_ok") if r["body"] == body])


def test_queue_output_binding_sends_base64_message_that_the_trigger_reads(host: LocalHost, queues) -> None:
    body = f"from-http-{uuid.uuid4().hex}"
    assert requests.post(host.url("/api/enqueue"), data=body).status_code == 202
    wait_for(lambda: [r for r in records(host.output_dir, "queue_ok") if r["body"] == body])


def test_failing_messages_are_retried_then_moved_to_poison_queue_with_nothing_lost(host: LocalHost, queue,
                                                                                   queues) -> None:
    bodies = {f"bad-{i}-{uuid.uuid4().hex[:6]}" for i in range(5)}
    for body in bodies:
        queue(queues["fail"]).send_message(base64.b64encode(body.encode()).decode())
    poison = queue(f"{queues['fail']}-poison")

    def poisoned() -> set[str]:
        try:
            return {base64.b64decode(m.content).decode() for m in poison.peek_messages(max_messages=32)}
        except Exception:  # noqa: BLE001 - the poison queue appears with the first poisoned message
            return set()

    wait_for(lambda: poisoned() >= bodies, timeout=HANG_GUARD_S)
    assert poisoned() == bodies
    attempts = [r for r in records(host.output_dir, "queue_fail") if r["body"] in bodies]
    assert sorted(r["dequeue_count"] for r in attempts) == [1] * 5 + [2] * 5   # maxDequeueCount = 2
    assert not list(queue(queues["fail"]).peek_messages())
    assert "Moving message to queue" in host.log_text()
