"""The API the pages read beyond the products' own resources: named connections, analysis history, the compliance
matrix and trend, search, the 7-day history, servers and delete. Real responses against the OpenAPI document."""
from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.analysis_support import start, wait_final
from tests.e2e.policy_support import start_scan, wait_idle, wait_scan
from tests.support.openapi_contract import assert_matches_openapi

pytestmark = [pytest.mark.e2e, pytest.mark.live]


def get(host: Any, path: str, status: int = 200) -> Any:
    response = host.get(path, timeout=30)
    assert response.status_code == status, response.text
    assert_matches_openapi(response)
    return response.json()


def test_named_connections_are_listed_without_secrets(ui_host: Any) -> None:
    body = get(ui_host, "/api/v1/analysis/connections")
    shop = next(c for c in body["items"] if c["name"] == "shop")
    assert shop["engine"] == "sqlite" and shop["usable"] and shop["target"] == "shop.db"
    assert str(ui_host.samples) not in str(body), "the server's folders are not the caller's business"


def test_history_lists_each_completed_analysis_of_a_target_with_its_score(ui_host: Any) -> None:
    first = start(ui_host, {"connectionName": "shop", "analysisType": "quick"})["jobId"]
    assert wait_final(ui_host, first)[-1]["status"] == "Completed"
    second = start(ui_host, {"connectionName": "shop", "analysisType": "quick"})["jobId"]
    assert wait_final(ui_host, second)[-1]["status"] == "Completed"
    history = get(ui_host, "/api/v1/analysis/history")
    target = next(t for t in history["items"] if t["engine"] == "sqlite")
    ids = [r["jobId"] for r in target["runs"]]
    assert ids.index(second) < ids.index(first), "newest first"
    report = get(ui_host, f"/api/v1/analysis/{second}/report")
    run = target["runs"][ids.index(second)]
    assert run["score"] == report["score"] and run["findings"] == len(report["findings"])


def test_search_finds_a_job_by_part_of_its_id_and_delete_removes_an_ended_analysis(ui_host: Any) -> None:
    job_id = start(ui_host, {"connectionName": "shop", "analysisType": "quick"})["jobId"]
    assert wait_final(ui_host, job_id)[-1]["status"] == "Completed"
    found = get(ui_host, f"/api/v1/jobs?search={job_id[9:21]}")
    assert [j["id"] for j in found["items"]] == [job_id] and found["total"] == 1
    bad = ui_host.get("/api/v1/jobs?search=%27%20OR%201%3D1")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "search"
    deleted = ui_host.delete(f"/api/v1/jobs/{job_id}")
    assert deleted.status_code == 204, deleted.text
    assert ui_host.get(f"/api/v1/analysis/status/{job_id}").status_code == 404
    assert get(ui_host, f"/api/v1/jobs?search={job_id[9:21]}")["total"] == 0


def test_the_seven_day_history_counts_what_ended_today(ui_host: Any) -> None:
    before = get(ui_host, "/api/v1/jobs/history")["days"]
    assert len(before) == 7 and before == sorted(before, key=lambda d: d["date"])
    job_id = start(ui_host, {"connectionName": "shop", "analysisType": "quick"})["jobId"]
    assert wait_final(ui_host, job_id)[-1]["status"] == "Completed"
    after = get(ui_host, "/api/v1/jobs/history")["days"]
    assert after[-1]["date"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert after[-1]["succeeded"] == before[-1]["succeeded"] + 1


def test_servers_show_this_instance_alive_with_the_limits_of_host_json(ui_host: Any) -> None:
    body = get(ui_host, "/api/v1/servers")
    assert any(s["state"] == "Running" for s in body["servers"])
    assert body["limits"]["maxConcurrentActivityFunctions"] == 8 and body["limits"]["queueBatchSize"] == 16
    names = {q["name"] for q in body["queues"]}
    assert "analysis-requests-poison" in names


def test_the_matrix_and_the_trend_come_from_the_stored_results(ui_host: Any) -> None:
    wait_idle(ui_host)
    scan_id = start_scan(ui_host, {}).json()["scanId"]
    scan = wait_scan(ui_host, scan_id)
    assert scan["status"] == "Completed"
    matrix = get(ui_host, f"/api/v1/scans/{scan_id}/results?pageSize=2")
    assert matrix["total"] == 3 and [r["repository"] for r in matrix["items"]] == ["good", "no-readme"]
    assert matrix["items"][1]["results"]["readme"]["result"] == "fail"
    assert matrix["items"][0]["results"]["readme"]["result"] == "pass"
    assert set(matrix["policies"]) >= {"readme", "security-policy"}
    trend = get(ui_host, "/api/v1/scans/trend")
    point = next(p for p in trend["scans"] if p["scanId"] == scan_id)
    assert point["violations"]["readme"] == 1 and point["violations"]["security-policy"] == 1
    assert get(ui_host, "/api/v1/scans/trend?scans=0", 400)["errors"][0]["field"] == "scans"
    refused = ui_host.delete(f"/api/v1/jobs/{scan_id}")
    assert refused.status_code == 409, refused.text
