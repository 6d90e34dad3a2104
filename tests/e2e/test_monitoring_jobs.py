"""End to end on the real app: the monitoring API sees analyses run and fail through the durable engine, shows
durations and redacted errors, retries through the product, counts what it lists, reads the storage queues, and
serves the dashboard page anonymously while the API needs a key."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient

from tests.e2e.analysis_support import host_env, start, wait_final
from tests.support.connection_faults import CHECKS, locked_target
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.waiting import HANG_GUARD_S

pytestmark = [pytest.mark.e2e, pytest.mark.live]

PASSWORD = "Mon1tor-S3cret-pw"


@pytest.fixture(scope="module")
def sqlite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("monitoring")


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], sqlite_dir: Path) -> LocalHost:
    # The completed job's check waits on a lock the test holds; a long lock timeout keeps it waiting, not failing.
    return local_host(app="function_app:app", env=host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(sqlite_dir),
                                                           ANALYZER_LOCK_TIMEOUT_MS="600000"))


def get_ok(host: LocalHost, path: str) -> dict[str, Any]:
    response = host.get(path, timeout=30)
    assert response.status_code == 200, response.text
    assert_matches_openapi(response)
    return response.json()


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def waiting_on_lock(watcher: Any, database: str) -> bool:
    return bool(watcher.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ? AND application_name = "
                                "'sql-analyzer' AND wait_event_type = 'Lock'", database).fetchone()[0])


@pytest.fixture(scope="module")
def completed_job(host: LocalHost, postgres_db: Callable[..., str]) -> tuple[str, list[str]]:
    """A PostgreSQL analysis followed through monitoring only: every status monitoring showed, in order.

    The job is held mid-check by state, not timing: the test locks a table a check reads (as
    tests/support/connection_faults.py does), samples monitoring once the analysis session waits on that lock
    (so the job is Running then, whatever the machine's speed), releases the lock, and follows it to the end."""
    import pyodbc

    conn_str, database = locked_target(postgres_db)
    holder = pyodbc.connect(conn_str, autocommit=False)
    watcher = pyodbc.connect(conn_str, autocommit=True)
    try:
        holder.execute("LOCK TABLE big_unindexed IN ACCESS EXCLUSIVE MODE")
        job_id = start(host, {"connectionString": conn_str, "options": {"checks": CHECKS}})["jobId"]
        deadline = time.monotonic() + HANG_GUARD_S
        while not waiting_on_lock(watcher, database):
            assert time.monotonic() < deadline, f"{job_id} never reached the locked check"
            time.sleep(0.05)
        seen = [get_ok(host, f"/api/v1/jobs/{job_id}")["status"]]
    finally:
        holder.rollback()
        holder.close()
        watcher.close()
    while seen[-1] not in ("Completed", "Failed"):
        assert time.monotonic() < deadline, f"{job_id} did not end: {seen}"
        status = get_ok(host, f"/api/v1/jobs/{job_id}")["status"]
        if seen[-1] != status:
            seen.append(status)
        time.sleep(0.05)
    return job_id, seen


@pytest.fixture(scope="module")
def failed_job(host: LocalHost) -> tuple[str, int]:
    port = unused_port()
    conn = f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={port};Database=x;Uid=u;Pwd={PASSWORD};"
    job_id = start(host, {"connectionString": conn})["jobId"]
    assert wait_final(host, job_id, timeout=HANG_GUARD_S)[-1]["status"] == "Failed"
    return job_id, port


def test_an_analysis_is_listed_running_then_completed_with_duration_and_history(
        host: LocalHost, completed_job: tuple[str, list[str]]) -> None:
    job_id, seen = completed_job
    assert seen[0] == "Running" and seen[-1] == "Completed", seen
    host.instance_once_ended(job_id)   # the row ends in the last activity, before the orchestration returns
    detail = get_ok(host, f"/api/v1/jobs/{job_id}")
    assert detail["type"] == "analysis" and detail["runtimeStatus"] == "Completed"
    assert detail["durationSeconds"] > 0 and detail["progress"]["percentage"] == 100
    assert detail["error"] is None and detail["retryable"] is False
    assert "analysis of postgresql" in detail["name"]
    functions = {e["functionName"] for e in detail["history"]["events"]}
    assert {"analysis_plan", "analysis_finalize"} <= functions
    listed = get_ok(host, "/api/v1/jobs?status=Completed&type=analysis")
    assert job_id in {j["id"] for j in listed["items"]}
    assert all(j["status"] == "Completed" and j["type"] == "analysis" for j in listed["items"])
    assert job_id not in {j["id"] for j in get_ok(host, "/api/v1/jobs?status=Failed")["items"]}


def test_a_failed_analysis_shows_its_error_and_no_secret(host: LocalHost, failed_job: tuple[str, int]) -> None:
    job_id, port = failed_job
    listed = host.get("/api/v1/jobs?status=Failed&type=analysis", timeout=30)
    assert_matches_openapi(listed)
    job = next(j for j in listed.json()["items"] if j["id"] == job_id)
    assert job["error"].startswith(f"cannot connect to 127.0.0.1:{port}"), job["error"]
    assert job["retryable"] and job["links"]["retry"].endswith(f"/api/v1/jobs/{job_id}/retry")
    detail = host.get(f"/api/v1/jobs/{job_id}", timeout=30)
    stats = host.get("/api/v1/jobs/stats", timeout=30)
    for response in (listed, detail, stats):
        assert PASSWORD not in response.text
    assert PASSWORD not in host.log_text()


def test_retry_goes_through_the_product_and_a_completed_analysis_is_refused(
        host: LocalHost, failed_job: tuple[str, int], completed_job: tuple[str, list[str]]) -> None:
    job_id, _ = failed_job
    before = get_ok(host, f"/api/v1/jobs/{job_id}")["attempt"]
    retried = host.post(f"/api/v1/jobs/{job_id}/retry", timeout=30)
    assert retried.status_code == 202, retried.text
    assert_matches_openapi(retried)
    assert retried.json()["id"] == job_id and retried.headers["Location"].endswith(f"/api/v1/jobs/{job_id}")
    final = wait_final(host, job_id, timeout=HANG_GUARD_S)[-1]
    assert final["status"] == "Failed" and final["attempt"] == before + 1
    refused = host.post(f"/api/v1/jobs/{completed_job[0]}/retry", timeout=30)
    assert refused.status_code == 409, refused.text
    assert_matches_openapi(refused)


def test_stats_count_what_the_list_shows_and_read_the_queues(
        host: LocalHost, completed_job: tuple[str, list[str]], failed_job: tuple[str, int],
        azurite: dict[str, Any]) -> None:
    poison = QueueClient.from_connection_string(azurite["connection_string"], "analysis-requests-poison")
    try:
        poison.create_queue()
    except Exception:  # noqa: BLE001 - exists already
        pass
    poison.send_message("eyJicm9rZW4iOiB0cnVlfQ==")
    stats = get_ok(host, "/api/v1/jobs/stats")
    items = get_ok(host, "/api/v1/jobs?pageSize=200")["items"]
    assert stats["total"] == len(items)
    expected: dict[str, int] = {}
    for item in items:
        expected[item["status"]] = expected.get(item["status"], 0) + 1
    assert {k: v for k, v in stats["byStatus"].items() if v} == expected
    ended = [i for i in items if i["type"] == "analysis" and i["status"] in ("Completed", "Failed")]
    assert stats["durations"]["analysis"]["count"] == len(ended) >= 2
    assert 0 < stats["durations"]["analysis"]["averageSeconds"] <= stats["durations"]["analysis"]["p95Seconds"] * 2
    assert stats["last24h"]["succeeded"] >= 1 and stats["last24h"]["failed"] >= 1
    assert stats["last7d"]["failed"] >= stats["last24h"]["failed"]
    queues = {q["name"]: q for q in stats["queues"]}
    assert queues["analysis-requests-poison"]["depth"] >= 1 and queues["analysis-requests-poison"]["poison"]
    assert queues["analysis-requests"]["depth"] == 0


def test_dashboard_is_anonymous_html_and_the_api_needs_a_key(host: LocalHost) -> None:
    page = requests.get(host.url("/api/dashboard"), timeout=HANG_GUARD_S)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "x-functions-key" in page.text and "sessionStorage" in page.text
    assert "innerHTML" not in page.text and "http://" not in page.text and "https://" not in page.text
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    for path in ("/api/v1/jobs", "/api/v1/jobs/stats"):
        assert requests.get(host.url(path), timeout=HANG_GUARD_S).status_code == 401


@pytest.mark.parametrize("path, field, status", [
    ("/api/v1/jobs?status=Lost", "status", 400),
    ("/api/v1/jobs?type=backup", "type", 400),
    ("/api/v1/jobs?pageSize=500", "pageSize", 400),
    ("/api/v1/jobs?cursor=not-a-cursor", "cursor", 400),
    ("/api/v1/jobs/bad%20id", "id", 400),
    ("/api/v1/jobs/analysis-" + "f" * 32, None, 404),
    ("/api/v1/jobs/someone-elses-instance", None, 404),
])
def test_bad_input_is_a_problem_naming_the_field(host: LocalHost, path: str, field: str | None, status: int) -> None:
    response = host.get(path, timeout=HANG_GUARD_S)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert_matches_openapi(response)
    if field:
        assert response.json()["errors"][0]["field"] == field
    assert host.post("/api/v1/jobs/analysis-" + "f" * 32 + "/retry", timeout=HANG_GUARD_S).status_code == 404


def test_next_cursor_pages_on_from_where_the_page_ended(host: LocalHost) -> None:
    everything = host.get("/api/v1/jobs?pageSize=200", timeout=HANG_GUARD_S).json()
    ids = [j["id"] for j in everything["items"]]
    assert len(ids) >= 2, "the module's earlier tests started jobs"
    first = host.get("/api/v1/jobs?pageSize=1", timeout=HANG_GUARD_S)
    assert_matches_openapi(first)
    after = host.get(f"/api/v1/jobs?pageSize=200&cursor={first.json()['nextCursor']}", timeout=HANG_GUARD_S)
    assert after.status_code == 200, after.text
    assert_matches_openapi(after)
    assert [first.json()["items"][0]["id"]] + [j["id"] for j in after.json()["items"]] == ids
    assert after.json()["nextCursor"] is None
