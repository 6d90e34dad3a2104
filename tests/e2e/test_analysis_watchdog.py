"""The analyzer's watchdog through the local host (issue 7, item 3): an analysis whose activity hangs (a target that
accepts TCP and never answers) ends reported as stalled instead of Running forever, its orchestration is
terminated, and the admission slot it held goes to the job waiting behind it, which was not judged stalled while
it waited on purpose. Nobody has to read the stalled job: the minute tick sweeps active jobs too."""
from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.e2e.analysis_support import FINAL, host_env, start, status, wait_final
from tests.support.local_host import LocalHost
from tests.support.waiting import HANG_GUARD_S

pytestmark = [pytest.mark.e2e, pytest.mark.live]

REPO = Path(__file__).resolve().parents[2]
STALL_S = 2  # the setting's minimum; one connect to the hanging port lasts 10 s per attempt


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], hanging_port: int, tmp_path_factory: pytest.TempPathFactory
         ) -> LocalHost:
    folder = tmp_path_factory.mktemp("sqlite")
    shutil.copy(REPO / "samples" / "shop.db", folder / "shop.db")
    return local_host(env=host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(folder), ANALYZER_MAX_JOBS="1", ANALYZER_STALL_TIMEOUT_SECONDS=str(STALL_S),
        ANALYZER_CONNECTION_SHOP=f"Driver={{SQLite3}};Database={folder / 'shop.db'};",
        ANALYZER_CONNECTION_HUNG=f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={hanging_port};"
                                 "Database=postgres;Uid=postgres;Pwd=x;",
        FUNCTIONS_DEVHOST_LOG_LEVEL="WARNING"), grace=3)


def test_a_hung_analysis_is_reported_stalled_terminated_and_frees_its_slot(host: LocalHost) -> None:
    hung = start(host, {"connectionName": "hung", "analysisType": "quick"})["jobId"]
    # The hung job holds the only slot (ANALYZER_MAX_JOBS=1): the next one waits in line behind it.
    deadline = time.monotonic() + HANG_GUARD_S
    while "connecting" not in (first := status(host, hung))["currentStep"] and first["status"] not in FINAL:
        assert time.monotonic() < deadline, first
        time.sleep(0.1)
    behind = start(host, {"connectionName": "shop", "analysisType": "quick"})["jobId"]
    waiting = status(host, behind)
    assert waiting["status"] == "Pending", waiting

    seen = [first]
    while seen[-1]["status"] not in FINAL:
        assert time.monotonic() < deadline, seen[-1]
        time.sleep(0.2)
        seen.append(status(host, hung))
    final = seen[-1]
    assert final["status"] == "Failed" and final["currentStep"] == "stalled", final
    assert final["error"].startswith("stalled: the analysis made no progress for 2 s"), final["error"]
    assert [s["status"] for s in seen[:-1]] == [s["status"] for s in seen[:-1] if s["status"] in ("Pending", "Running")]
    # Terminating is asynchronous (the engine, as in Azure, takes the request as a message): the instance leaves
    # Running for Terminated, and for nothing else.
    durable = host.instance_once_ended(hung)
    assert durable["runtimeStatus"] == "Terminated", durable

    # The slot went to the job behind it, which ran to the end (it was waiting on purpose, not stalled).
    after = wait_final(host, behind)
    assert after[-1]["status"] == "Completed", after[-1]
    assert after[-1]["startedAt"] >= final["completedAt"]
    assert status(host, hung)["status"] == "Failed"  # stays Failed; restartable like any failed job


def _row_status(host: LocalHost, job_id: str) -> tuple[str, str | None]:
    """The job row as stored, read past the API (whose reads would reconcile the job themselves)."""
    path = host.env["APP_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        status, error = conn.execute("SELECT status, error FROM analysis_jobs WHERE job_id = ?", (job_id,)).fetchone()
    return status, error


def test_the_minute_tick_fails_a_stalled_job_nobody_reads_and_the_line_moves_on(host: LocalHost) -> None:
    hung = start(host, {"connectionName": "hung", "analysisType": "quick"})["jobId"]
    deadline = time.monotonic() + HANG_GUARD_S
    while _row_status(host, hung)[0] != "Running":
        assert time.monotonic() < deadline, _row_status(host, hung)
        time.sleep(0.1)
    behind = start(host, {"connectionName": "shop", "analysisType": "quick"})["jobId"]
    time.sleep(STALL_S + 2)  # at least the timeout and the retry allowance without progress (a lower bound)
    while _row_status(host, hung)[0] == "Running":
        assert time.monotonic() < deadline, _row_status(host, hung)
        response = requests.post(host.url("/admin/functions/schedules_tick"), json={"input": ""},
                                 headers={"x-functions-key": host.master_key}, timeout=10)
        assert response.status_code == 202, response.text
        time.sleep(0.5)
    state, error = _row_status(host, hung)
    assert state == "Failed" and error is not None and error.startswith("stalled:"), (state, error)
    after = wait_final(host, behind)  # only the job behind is read through the API
    assert after[-1]["status"] == "Completed", after[-1]
