"""The analyzer's watchdog through the local host (issue 7, item 3): an analysis whose activity hangs (a target that
accepts TCP and never answers) ends reported as stalled instead of Running forever, its orchestration is
terminated, and the admission slot it held goes to the job waiting behind it, which was not judged stalled while
it waited on purpose."""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

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
    durable = host.get(f"/runtime/webhooks/durabletask/instances/{hung}").json()
    assert durable["runtimeStatus"] == "Terminated"

    # The slot went to the job behind it, which ran to the end (it was waiting on purpose, not stalled).
    after = wait_final(host, behind)
    assert after[-1]["status"] == "Completed", after[-1]
    assert after[-1]["startedAt"] >= final["completedAt"]
    assert status(host, hung)["status"] == "Failed"  # stays Failed; restartable like any failed job
