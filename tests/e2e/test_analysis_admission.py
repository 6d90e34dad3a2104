"""Priority and per-target throttling through the local host: one analysis at a time per target server, a waiting
job shows "waiting for <server> (n ahead)" and leaves the line when canceled, a high-priority job queued behind
a backlog of normal ones waits for at most the one running job, and under the overall limit a free slot goes to
the highest-priority job of any server. Waiting orchestrations are woken by an event, never by a short poll."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.analysis_support import host_env, start, status, wait_final
from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi

pytestmark = [pytest.mark.e2e, pytest.mark.live]

REPO = Path(__file__).resolve().parents[2]
BACKLOG = 50


@pytest.fixture(scope="module")
def hanging(hanging_port: int) -> int:
    return hanging_port


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], hanging: int, tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    folder = tmp_path_factory.mktemp("sqlite")
    shutil.copy(REPO / "samples" / "shop.db", folder / "shop.db")
    return local_host(env=host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(folder), ANALYZER_MAX_JOBS_PER_TARGET="1", ANALYZER_MAX_JOBS="8",
        ANALYZER_CONNECTION_SHOP=f"Driver={{SQLite3}};Database={folder / 'shop.db'};",
        ANALYZER_CONNECTION_SLOW=f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={hanging};Database=postgres;"
                                 "Uid=postgres;Pwd=x;",
        FUNCTIONS_DEVHOST_LOG_LEVEL="WARNING"), grace=3)


@pytest.fixture(scope="module")
def one_at_a_time(local_host: Callable[..., LocalHost], hanging: int,
                  tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    """At most one analysis overall (`ANALYZER_MAX_JOBS=1`), three SQLite servers and a hanging one."""
    folder = tmp_path_factory.mktemp("sqlite-one")
    env = {f"ANALYZER_CONNECTION_SHOP{i}": f"Driver={{SQLite3}};Database={folder / f'shop{i}.db'};" for i in range(3)}
    for i in range(3):
        shutil.copy(REPO / "samples" / "shop.db", folder / f"shop{i}.db")
    return local_host(env=host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(folder), ANALYZER_MAX_JOBS_PER_TARGET="1", ANALYZER_MAX_JOBS="1",
        ANALYZER_CONNECTION_SLOW=f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={hanging};Database=postgres;"
                                 "Uid=postgres;Pwd=x;",
        FUNCTIONS_DEVHOST_LOG_LEVEL="WARNING", **env), grace=3)


def wait_for_step(host: LocalHost, job_id: str, prefix: str) -> dict[str, Any]:
    seen = status(host, job_id)
    for _ in range(60):
        if seen["currentStep"].startswith(prefix):
            return seen
        seen = status(host, job_id, wait=2)
    raise AssertionError(f"{job_id} never reached {prefix!r}: {seen}")


def test_a_waiting_job_shows_its_place_and_a_canceled_one_leaves_the_line(host: LocalHost, hanging: int) -> None:
    blocker = start(host, {"connectionName": "slow", "analysisType": "quick"})["jobId"]
    wait_for_step(host, blocker, "connecting")
    second = start(host, {"connectionName": "slow", "analysisType": "quick"})["jobId"]
    third = start(host, {"connectionName": "slow", "analysisType": "quick"})["jobId"]
    server = f"postgresql:127.0.0.1:{hanging}"
    seen = wait_for_step(host, third, f"waiting for {server} (2 ahead)")
    assert seen["status"] == "Pending" and seen["startedAt"] is None and seen["runningSeconds"] == 0
    assert seen["waitingSeconds"] > 0 and seen["priority"] == "normal"
    assert wait_for_step(host, second, f"waiting for {server} (1 ahead)")["status"] == "Pending"
    canceled = host.post(f"/api/v1/analysis/{second}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "Canceled"
    assert_matches_openapi(canceled)
    assert wait_for_step(host, third, f"waiting for {server} (1 ahead)")["status"] == "Pending"
    for job_id in (blocker, third):
        host.post(f"/api/v1/analysis/{job_id}/cancel")


def test_high_priority_overtakes_a_backlog_and_one_job_runs_per_target(host: LocalHost) -> None:
    normal = [start(host, {"connectionName": "shop", "analysisType": "quick"})["jobId"] for _ in range(BACKLOG)]
    bad = host.post("/api/v1/analysis/start", json={"connectionName": "shop", "priority": "urgent"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "priority"
    assert_matches_openapi(bad)
    high = start(host, {"connectionName": "shop", "analysisType": "quick", "priority": "high"})["jobId"]
    finals = {job_id: wait_final(host, job_id, timeout=600)[-1] for job_id in [*normal, high]}
    assert all(f["status"] == "Completed" for f in finals.values()), finals
    spans = sorted((datetime.fromisoformat(f["startedAt"]), datetime.fromisoformat(f["completedAt"]), job_id)
                   for job_id, f in finals.items())
    for (_, end, a), (begin, _, b) in zip(spans, spans[1:], strict=False):
        assert begin >= end, f"{a} and {b} ran at once on one target"
    requested = datetime.fromisoformat(finals[high]["createdAt"])
    began = datetime.fromisoformat(finals[high]["startedAt"])
    backlog = [j for j in normal if datetime.fromisoformat(finals[j]["startedAt"]) > requested]
    assert len(backlog) >= BACKLOG // 2, f"only {len(backlog)} normal jobs were still waiting: no backlog to overtake"
    assert finals[high]["priority"] == "high" and finals[normal[0]]["priority"] == "normal"
    assert finals[high]["runningSeconds"] > 0 and finals[normal[-1]]["waitingSeconds"] > finals[high]["waitingSeconds"]
    overtook_it = [j for j in backlog if datetime.fromisoformat(finals[j]["startedAt"]) < began]
    assert len(overtook_it) <= 1, f"the high-priority job waited for {len(overtook_it)} jobs that started after it"


def test_under_the_overall_limit_the_high_priority_job_of_any_server_starts_next(one_at_a_time: LocalHost) -> None:
    host = one_at_a_time
    blocker = start(host, {"connectionName": "slow", "analysisType": "quick"})["jobId"]
    wait_for_step(host, blocker, "connecting")
    normal = [start(host, {"connectionName": f"shop{i}", "analysisType": "quick"})["jobId"] for i in (0, 1)]
    high = start(host, {"connectionName": "shop2", "analysisType": "quick", "priority": "high"})["jobId"]
    for job_id in (*normal, high):
        assert wait_for_step(host, job_id, "waiting for sqlite:")["status"] == "Pending"
    assert host.post(f"/api/v1/analysis/{blocker}/cancel").status_code == 200  # frees the one slot
    finals = {job_id: wait_final(host, job_id, timeout=120)[-1] for job_id in (*normal, high)}
    assert all(f["status"] == "Completed" for f in finals.values()), finals
    order = sorted(finals, key=lambda j: datetime.fromisoformat(finals[j]["startedAt"]))
    assert order == [high, *normal], "the high-priority job queued last on a third server starts first, then by age"
    spans = [(datetime.fromisoformat(finals[j]["startedAt"]), datetime.fromisoformat(finals[j]["completedAt"]))
             for j in order]
    for (_, end), (begin, _) in zip(spans, spans[1:], strict=False):
        assert begin >= end, "two analyses ran at once under ANALYZER_MAX_JOBS=1"
    history = host.get(f"/runtime/webhooks/durabletask/instances/{normal[1]}?showHistory=true").json()["historyEvents"]
    woken = [e for e in history if e["EventType"] == "EventRaised" and e.get("Name") == "admission-granted"]
    assert woken, "the last job was handed its slot by an event from the job before it"
