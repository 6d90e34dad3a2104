"""End to end with Microsoft's SignalR client: the old frontend's `connection.on("AnalysisProgress", ...)` snippet
runs unchanged against the local host (app negotiate → local SignalR service) and sees its own job's progress in
order up to 100 % / Completed, nothing of another job; the dashboard follows every job; a subscribed connection
starts from the current state; a canceled job ends with Canceled; bad negotiate/subscribe input is refused."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from devhost.azurite import free_port
from tests.e2e.analysis_support import host_env, start, status, wait_final
from tests.realtime.realtime_support import FINAL, Gate, assert_event_matches_openapi, assert_progress_in_order
from tests.realtime.signalr_support import NodeListener, browser_listener, connection_string
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi

pytestmark = [pytest.mark.e2e, pytest.mark.live]
UNKNOWN_JOB = "analysis-" + "f" * 32


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("realtime-targets")


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], targets: Path) -> LocalHost:
    # The host serves the local SignalR service itself: the setting points at a free loopback port.
    return local_host(env=host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(targets), ANALYZER_LOCK_TIMEOUT_MS="60000",
                                   AzureSignalRConnectionString=connection_string(free_port())))


@pytest.fixture
def listeners() -> Iterator[Callable[..., NodeListener]]:
    started: list[NodeListener] = []

    def listen(hub_url: str, key: str, targets: tuple[str, ...] = ("AnalysisProgress",)) -> NodeListener:
        started.append(NodeListener(hub_url, key, targets))
        return started[-1]

    yield listen
    for listener in started:
        listener.stop()


def _final_seen(listener: NodeListener) -> bool:
    return any(e["status"] in FINAL for e in listener.events("AnalysisProgress"))


def test_each_client_gets_its_own_jobs_progress_in_order_and_the_dashboard_gets_all(
        host: LocalHost, targets: Path, listeners: Callable[..., NodeListener]) -> None:
    gate_a, gate_b = Gate(targets / "a.db"), Gate(targets / "b.db")
    job_a = start(host, {"connectionString": gate_a.connection_string, "analysisType": "comprehensive"})["jobId"]
    job_b = start(host, {"connectionString": gate_b.connection_string, "analysisType": "comprehensive"})["jobId"]
    client_a = listeners(f"{host.base_url}/api?jobId={job_a}", host.function_key)
    client_b = listeners(f"{host.base_url}/api?jobId={job_b}", host.function_key)
    dashboard = listeners(f"{host.base_url}/api?dashboard=true", host.function_key, ("JobChanged",
                                                                                      "AnalysisProgress"))
    for client in (client_a, client_b, dashboard):
        client.connected()
    assert status(host, job_a)["status"] in ("Pending", "Running")   # held at planning by the gate
    gate_a.release()
    client_a.wait_until(_final_seen, 90, f"final AnalysisProgress of {job_a}")
    gate_b.release()
    client_b.wait_until(_final_seen, 90, f"final AnalysisProgress of {job_b}")

    for client, job_id in ((client_a, job_a), (client_b, job_b)):
        events = client.events("AnalysisProgress")
        assert_progress_in_order(events, job_id)
        assert events[0]["status"] == "Running" and events[0]["progressPercentage"] == 0
        # At least the start and the end: the publisher keeps only a job's newest unsent state, so under load
        # batches may merge, never reorder.
        assert len(events) >= 2, events
        assert events[-1]["status"] == "Completed" and events[-1]["progressPercentage"] == 100
        assert events[-1] == wait_final(host, job_id)[-1]   # exactly what polling answers
        # The old frontend's own handler ran on every event, unchanged.
        assert f"Progress: {events[-1]['progressPercentage']}%" in client.lines
        assert "Current Step: completed" in client.lines
        assert sum(line.startswith("Progress: ") for line in client.lines) == len(events)

    assert not dashboard.events("AnalysisProgress"), "a dashboard client received per-job progress it did not ask for"
    dashboard.wait_until(lambda d: {e["id"] for e in d.events("JobChanged") if e["status"] == "Completed"}
                         >= {job_a, job_b}, 30, "JobChanged Completed for both jobs")
    for event in dashboard.events("JobChanged"):
        assert_event_matches_openapi("JobChanged", event)
    last_a = [e for e in dashboard.events("JobChanged") if e["id"] == job_a][-1]
    assert last_a["status"] == "Completed" and last_a["progress"]["percentage"] == 100
    assert last_a["links"]["self"] == f"/api/v1/jobs/{job_a}"


def test_a_subscribed_connection_starts_from_the_current_state(
        host: LocalHost, targets: Path, listeners: Callable[..., NodeListener]) -> None:
    gate = Gate(targets / "c.db")
    job_id = start(host, {"connectionString": gate.connection_string})["jobId"]
    client = listeners(f"{host.base_url}/api", host.function_key)
    other = listeners(f"{host.base_url}/api", host.function_key)
    connection_id = client.connected()
    other.connected()
    subscribed = host.post(f"/api/v1/analysis/{job_id}/subscribe", json={"connectionId": connection_id})
    assert subscribed.status_code == 200, subscribed.text
    assert_matches_openapi(subscribed)
    client.wait_until(lambda c: bool(c.events("AnalysisProgress")), 30, "the current state after subscribing")
    first = client.events("AnalysisProgress")[0]
    assert first["status"] in ("Pending", "Running") and first["checksCompleted"] == 0
    gate.release()
    client.wait_until(_final_seen, 90, "the final state")
    assert_progress_in_order(client.events("AnalysisProgress"), job_id)
    assert client.events("AnalysisProgress")[-1]["status"] == "Completed"
    assert not other.events(), "a connection that subscribed to nothing received events"


def test_subscribe_input_is_checked(host: LocalHost, targets: Path, listeners: Callable[..., NodeListener]) -> None:
    gate = Gate(targets / "d.db")
    job_id = start(host, {"connectionString": gate.connection_string})["jobId"]
    try:
        for body, field in (({}, "connectionId"), ({"connectionId": 7}, "connectionId"),
                            ({"connectionId": "x" * 129}, "connectionId")):
            response = host.post(f"/api/v1/analysis/{job_id}/subscribe", json=body)
            assert response.status_code == 400, response.text
            assert_matches_openapi(response)
            assert response.json()["errors"][0]["field"] == field
        gone = host.post(f"/api/v1/analysis/{job_id}/subscribe", json={"connectionId": "not-connected"})
        assert gone.status_code == 404 and gone.json()["errors"][0]["field"] == "connectionId"
        assert_matches_openapi(gone)
        unknown = host.post(f"/api/v1/analysis/{UNKNOWN_JOB}/subscribe", json={"connectionId": "c"})
        assert unknown.status_code == 404
        assert_matches_openapi(unknown)
    finally:
        gate.release()


def test_a_canceled_job_ends_with_canceled(host: LocalHost, targets: Path,
                                           listeners: Callable[..., NodeListener]) -> None:
    gate = Gate(targets / "e.db")
    job_id = start(host, {"connectionString": gate.connection_string})["jobId"]
    client = listeners(f"{host.base_url}/api?jobId={job_id}", host.function_key)
    client.connected()
    try:
        canceled = host.post(f"/api/v1/analysis/{job_id}/cancel")
        assert canceled.status_code == 200, canceled.text
        client.wait_until(_final_seen, 30, "the Canceled event")
    finally:
        gate.release()
    events = client.events("AnalysisProgress")
    assert_progress_in_order(events, job_id)
    assert events[-1]["status"] == "Canceled" and events[-1]["currentStep"] == "canceled"
    assert wait_final(host, job_id)[-1]["status"] == "Canceled"


def test_negotiate_needs_the_key_and_a_known_job(host: LocalHost, targets: Path) -> None:
    assert requests.post(host.url("/api/negotiate"), timeout=10).status_code == 401
    unknown = host.post(f"/api/negotiate?jobId={UNKNOWN_JOB}")
    assert unknown.status_code == 404
    assert_matches_openapi(unknown)
    malformed = host.post("/api/negotiate?jobId=not-a-job")
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "jobId"
    assert_matches_openapi(malformed)
    bad = host.post("/api/negotiate?dashboard=maybe")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "dashboard"
    assert_matches_openapi(bad)
    redirect = host.post("/api/negotiate?negotiateVersion=1")
    assert redirect.status_code == 200 and redirect.headers["Cache-Control"] == "no-store"
    assert_matches_openapi(redirect)
    assert redirect.json()["url"].endswith("/client/?hub=jobs")


def test_the_old_frontend_in_chromium_gets_its_jobs_progress(host: LocalHost, targets: Path) -> None:
    gate = Gate(targets / "browser.db")
    job_id = start(host, {"connectionString": gate.connection_string})["jobId"]
    # The page is on the app's origin, so negotiate is same-origin; the SignalR service is another origin (CORS).
    browser = browser_listener(host.url("/old-frontend/index.html"), f"{host.base_url}/api?jobId={job_id}",
                               host.function_key)
    try:
        browser.connected(timeout=60)
        gate.release()
        browser.wait_until(_final_seen, 90, "the final AnalysisProgress in Chromium")
    finally:
        gate.release()
        browser.stop()
    events = browser.events("AnalysisProgress")
    assert_progress_in_order(events, job_id)
    assert events[-1]["status"] == "Completed" and events[-1]["progressPercentage"] == 100
    assert "Progress: 100%" in browser.lines and "Current Step: completed" in browser.lines
    polled = status(host, job_id)   # the old frontend's polling call answers the same
    assert polled == events[-1]
