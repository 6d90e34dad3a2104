"""End to end: analysis requests from the `analysis-requests` queue (Azurite), malformed messages to the poison
queue, and a job interrupted by a host restart that shows Failed and is restarted with one call."""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient

from tests.e2e.analysis_support import APP, host_env, report, status, wait_final
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.waiting import HANG_GUARD_S

pytestmark = [pytest.mark.e2e, pytest.mark.live, pytest.mark.slow]

FAST_QUEUES = {"AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
               "AzureFunctionsJobHost__extensions__queues__maxDequeueCount": "2",
               "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:01"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analysis-queue") / "shop.db"
    with sqlite3.connect(path) as db:
        db.executescript("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE notes (body TEXT);")
    return path


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], sample: Path, hanging_port: int) -> LocalHost:
    return local_host(app=APP, grace=2, env=host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(sample.parent),
        ANALYZER_CONNECTION_SHOP=f"Driver={{SQLite3}};Database={sample};",
        ANALYZER_CONNECTION_SLOW=f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={hanging_port};"
                                 "Database=x;Uid=u;Pwd=p;",
        **FAST_QUEUES))


def queue(azurite: dict[str, Any], name: str) -> QueueClient:
    client = QueueClient.from_connection_string(azurite["connection_string"], name)
    try:
        client.create_queue()
    except Exception:  # noqa: BLE001 - already exists
        pass
    return client


def jobs_from_queue(host: LocalHost) -> list[dict[str, Any]]:
    response = host.get("/api/v1/analysis?pageSize=200")
    assert_matches_openapi(response)
    return [j for j in response.json()["items"] if j["source"] == "queue"]


def test_queue_message_starts_one_job(host: LocalHost, azurite: dict[str, Any]) -> None:
    before = len(jobs_from_queue(host))
    queue(azurite, "analysis-requests").send_message(json.dumps({"connectionName": "shop", "analysisType": "quick"}))
    deadline = time.monotonic() + HANG_GUARD_S
    while len(jobs_from_queue(host)) == before:
        assert time.monotonic() < deadline, "the queue message started no job"
        time.sleep(0.3)
    job = jobs_from_queue(host)[0]
    assert job["analysisType"] == "quick" and job["engine"] == "sqlite"
    assert wait_final(host, job["jobId"])[-1]["status"] == "Completed"
    assert report(host, job["jobId"]).json()["jobId"] == job["jobId"]
    time.sleep(2)
    assert len(jobs_from_queue(host)) == before + 1, "one message, one job"


def test_malformed_messages_end_in_the_poison_queue(host: LocalHost, azurite: dict[str, Any]) -> None:
    before = len(jobs_from_queue(host))
    poison = queue(azurite, "analysis-requests-poison")
    poison.clear_messages()
    requests_queue = queue(azurite, "analysis-requests")
    bad = ["{not json", json.dumps({"connectionString": "Driver={SQLite3};Database=/etc/passwd;"}),
           json.dumps({"connectionName": "shop", "analysisType": "nope"})]
    for body in bad:
        requests_queue.send_message(body)
    deadline = time.monotonic() + HANG_GUARD_S
    poisoned: list[str] = []
    while len(poisoned) < len(bad):
        assert time.monotonic() < deadline, f"only {poisoned} reached the poison queue"
        poisoned += [m.content for m in poison.receive_messages(visibility_timeout=60)]
        time.sleep(0.5)
    assert sorted(poisoned) == sorted(bad)
    log = host.log_text()
    assert "malformed JSON" in log and "not accepted in queue messages" in log and "analysisType" in log
    assert len(jobs_from_queue(host)) == before


def test_job_interrupted_by_a_host_restart_fails_and_restarts(host: LocalHost, sample: Path) -> None:
    response = host.post("/api/v1/analysis/start", json={"connectionName": "slow", "analysisType": "quick"})
    assert response.status_code == 202
    job_id = response.json()["jobId"]
    deadline = time.monotonic() + HANG_GUARD_S
    while status(host, job_id)["status"] != "Running":  # the plan activity is waiting for the hanging server
        assert time.monotonic() < deadline
        time.sleep(0.2)
    host.env["ANALYZER_CONNECTION_SLOW"] = f"Driver={{SQLite3}};Database={sample};"  # the database is back
    host.restart()
    interrupted = status(host, job_id)
    assert interrupted["status"] == "Failed" and "interrupted by a host restart" in interrupted["error"]
    restarted = host.post(f"/api/v1/analysis/{job_id}/restart")
    assert restarted.status_code == 202, restarted.text
    assert_matches_openapi(restarted)
    final = wait_final(host, job_id)[-1]
    assert final["status"] == "Completed" and final["attempt"] == 2 and final["error"] is None
    assert report(host, job_id).json()["engine"] == "sqlite"
    again = host.post(f"/api/v1/analysis/{job_id}/restart")
    assert again.status_code == 409
