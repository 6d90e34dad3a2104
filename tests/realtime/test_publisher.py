"""The app's publisher against the local SignalR service, observed by Microsoft's client: per job only newer
states go out and in order, an over-limit message is skipped (logged) without stopping the rest, and an outage
costs one warning, holds the newest state per job and delivers it when the service is back."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devhost.azurite import free_port
from shared.realtime.connection import SignalRConnection
from shared.realtime.events import EventTarget, RealtimeEvent, job_group
from shared.realtime.publisher import Publisher
from shared.realtime.service_api import SignalRServiceApi
from shared.realtime.tokens import client_token
from tests.realtime.signalr_support import NodeListener, SignalRProcess

pytestmark = [pytest.mark.live]


def _event(job: str, done: int, status: str = "Running", size: int = 0) -> RealtimeEvent:
    payload = {"jobId": job, "status": status, "checksCompleted": done, "padding": "x" * size}
    return RealtimeEvent(EventTarget.ANALYSIS_PROGRESS, job_group(job), job,
                         (1, 2 if status == "Completed" else 1, done), payload)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SignalRProcess]:
    process = SignalRProcess(tmp_path).start()
    yield process
    process.stop()


def _subscriber(api: SignalRServiceApi, job: str, user: str) -> NodeListener:
    api.add_user_to_group(job_group(job), user)
    url = api.conn.client_url(api.hub)
    listener = NodeListener(url, "", ("AnalysisProgress",),
                            env={"SIGNALR_ACCESS_TOKEN": client_token(api.conn, api.hub, user)})
    listener.connected()
    return listener


def test_only_newer_states_in_order_and_oversized_messages_skipped(service: SignalRProcess,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    api = SignalRServiceApi(SignalRConnection.parse(service.connection_string), "jobs")
    publisher = Publisher(api)
    client = _subscriber(api, "job-1", "u-1")
    try:
        # Flushed one by one: queued together, a newer state of a job replaces an unsent older one.
        for event in (_event("job-1", 1), _event("job-1", 3),
                      _event("job-1", 2),                   # older than 3: a batch that finished late
                      _event("job-1", 4, size=1_100_000),   # over the service's limit
                      _event("job-1", 5, "Completed")):
            publisher.publish([event])
            assert publisher.flush(30)
        client.wait_until(lambda c: any(e["status"] == "Completed" for e in c.events()), 30, "Completed")
    finally:
        client.stop()
    done = [e["checksCompleted"] for e in client.events()]
    assert done == [1, 3, 5]
    assert publisher.failed == 1 and "over the service's 1000000-byte limit" in caplog.text


def test_an_activitys_refresh_is_built_on_the_sender_thread_once_per_burst(service: SignalRProcess,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    """`refresh` (what `publish_analysis_job` does) leaves reading the row and building the events to the sender
    thread; refreshes of a job that come before it gets there are built once, from the newest state; a build that
    fails is one warning and the next refresh goes out."""
    api = SignalRServiceApi(SignalRConnection.parse(service.connection_string), "jobs")
    publisher = Publisher(api)
    client = _subscriber(api, "job-3", "u-3")
    built: list[tuple[int, str]] = []

    def build(done: int) -> Callable[[], list[RealtimeEvent]]:
        def events() -> list[RealtimeEvent]:
            built.append((done, threading.current_thread().name))
            return [_event("job-3", done, "Completed" if done == 9 else "Running")]
        return events

    def broken() -> list[RealtimeEvent]:
        raise LookupError("the row is gone")

    try:
        with publisher._lock:   # the sender thread is held off: the three refreshes arrive together
            for done in (1, 2, 3):
                publisher.refresh("analysis:job-3", build(done))
        assert publisher.flush(30)
        publisher.refresh("analysis:job-3", broken)
        assert publisher.flush(30)
        publisher.refresh("analysis:job-3", build(9))
        client.wait_until(lambda c: any(e["status"] == "Completed" for e in c.events()), 30, "Completed")
    finally:
        client.stop()
    assert built == [(3, "signalr-publisher"), (9, "signalr-publisher")]
    assert [e["checksCompleted"] for e in client.events()] == [3, 9]
    assert "events of analysis:job-3 not built (LookupError)" in caplog.text


def test_outage_costs_one_warning_and_the_newest_state_arrives_after(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="shared.realtime.publisher")
    down = SignalRProcess(tmp_path)   # port and key chosen, service not started yet
    api = SignalRServiceApi(SignalRConnection.parse(down.connection_string), "jobs", timeout=1.0)
    publisher = Publisher(api, cooldown=1.0)
    for done in range(1, 6):
        publisher.publish([_event("job-2", done)])
    assert not publisher.flush(1.5)   # nothing can be delivered
    assert caplog.text.count("SignalR service unreachable") == 1
    key = down.connection_string.split("AccessKey=", 1)[1].split(";", 1)[0]
    assert key not in caplog.text
    down.start()
    try:
        client = _subscriber(api, "job-2", "u-2")
        publisher.publish([_event("job-2", 6, "Completed")])
        client.wait_until(lambda c: any(e["status"] == "Completed" for e in c.events()), 60, "Completed")
        client.stop()
        assert publisher.flush(30)
    finally:
        down.stop()
    # Held states were superseded, not replayed: at most the newest held one (5, if a probe got through before 6
    # was published) and then 6.
    seen = [e["checksCompleted"] for e in client.events()]
    assert seen in ([6], [5, 6]), seen
    assert "reachable again" in caplog.text and caplog.text.count("SignalR service unreachable") == 1


def test_unconfigured_or_malformed_setting_turns_events_off(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    from shared.realtime import publisher as module

    monkeypatch.delenv("AzureSignalRConnectionString", raising=False)
    assert module.get_publisher() is None
    secret = "k" * 43
    monkeypatch.setenv("AzureSignalRConnectionString", f"Endpoint=ftp://x:{free_port()};AccessKey={secret};")
    assert module.get_publisher() is None
    assert "real-time events are off" in caplog.text and secret not in caplog.text
