"""End to end: the monitoring API lists analysis jobs with counts, durations and errors, retries a failed one, and
serves the dashboard page anonymously; plus the catalog listing of the analyzer."""
from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
import requests

from tests.e2e.analysis_support import APP, host_env, start, wait_final
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.waiting import HANG_GUARD_S

pytestmark = [pytest.mark.e2e, pytest.mark.live]


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    return local_host(app=APP, env=host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(tmp_path_factory.mktemp("mon"))))


def test_jobs_list_counts_and_retry_of_a_failed_analysis(host: LocalHost) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conn = f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={port};Database=x;Uid=u;Pwd=p;"
    job_id = start(host, {"connectionString": conn})["jobId"]
    assert wait_final(host, job_id, timeout=HANG_GUARD_S)[-1]["status"] == "Failed"
    host.instance_once_ended(job_id)   # the row ends in the last activity, before the orchestration returns
    listed = host.get("/api/v1/jobs?product=analysis&status=Failed")
    assert listed.status_code == 200, listed.text
    assert_matches_openapi(listed)
    body = listed.json()
    job = next(j for j in body["items"] if j["id"] == job_id)
    assert job["error"].startswith(f"cannot connect to 127.0.0.1:{port}") and job["retryable"]
    assert job["durationSeconds"] is not None and job["durationSeconds"] >= 0
    assert body["counts"]["analysis"]["Failed"] >= 1
    assert body["orchestrations"].get("Completed", 0) >= 1
    retried = host.post(f"/api/v1/jobs/{job_id}/retry")
    assert retried.status_code == 202, retried.text
    assert_matches_openapi(retried)
    final = wait_final(host, job_id, timeout=HANG_GUARD_S)[-1]
    assert final["status"] == "Failed" and final["attempt"] == 2
    assert host.post("/api/v1/jobs/analysis-" + "f" * 32 + "/retry").status_code == 404
    assert host.get("/api/v1/jobs?status=Lost").status_code == 400


def test_dashboard_is_anonymous_html_and_the_api_needs_a_key(host: LocalHost) -> None:
    page = requests.get(host.url("/api/dashboard"), timeout=HANG_GUARD_S)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/v1/jobs" in page.text
    assert requests.get(host.url("/api/v1/jobs"), timeout=HANG_GUARD_S).status_code == 401


def test_check_catalog_listing(host: LocalHost) -> None:
    response = host.get("/api/v1/analysis/checks?engine=postgresql")
    assert response.status_code == 200
    assert_matches_openapi(response)
    items = response.json()["items"]
    assert items and all(i["engines"] == ["postgresql"] for i in items)
    assert "pg-table-without-primary-key" in {i["id"] for i in items}
    by_id = {i["id"]: i for i in items}  # the catalog's source and thresholds, as declared in its YAML
    assert by_id["pg-sequence-near-overflow"]["source"] == "pg-index-health SEQUENCE_OVERFLOW"
    assert by_id["pg-sequence-near-overflow"]["parameters"] == {"percent_used": 75, "critical_percent": 90}
    assert by_id["pg-table-without-index"]["source"] is None
    everything = host.get("/api/v1/analysis/checks").json()["items"]
    quick = host.get("/api/v1/analysis/checks?analysisType=quick").json()["items"]
    assert 0 < len(quick) < len(everything) and all("quick" in i["analysisTypes"] for i in quick)
    assert host.get("/api/v1/analysis/checks?engine=oracle").status_code == 400
