"""End to end through the local host (issue 7 #10): backends of a running job are killed with
`pg_terminate_backend` from a second connection. One kill → the batch re-runs on a new session and every check
runs; a kill of every session the batch may open → `Completed` with `partial: true`, and the reason in the status
and in every rendering of the report. Responses are checked against the OpenAPI document (`partial`,
`partialReason`, `reconnects`, `checksLost` are declared there). Mid-job is made certain by a held lock (see
tests/support/connection_faults.py), not by timing."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.analysis_support import APP, host_env, report, start, wait_final
from tests.support.connection_faults import CHECKS, Killer, locked_target
from tests.support.local_host import LocalHost

pytestmark = [pytest.mark.e2e, pytest.mark.live]


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost]) -> LocalHost:
    return local_host(app=APP, env=host_env(ANALYZER_LOCK_TIMEOUT_MS="600000", ANALYZER_RECONNECT_DELAY_MS="0",
                                            ANALYZER_RECONNECT_ATTEMPTS="2", ANALYZER_MAX_CONNECTIONS="1"))


@pytest.fixture
def target(postgres_db: Callable[..., str]) -> tuple[str, str]:
    return locked_target(postgres_db)


def run_with_kills(host: LocalHost, target: tuple[str, str], kills: int) -> tuple[str, dict, Killer]:
    conn_str, database = target
    killer = Killer(conn_str, database, kills=kills)
    killer.start()
    assert killer.ready.wait(60) and killer.error is None, killer.error
    accepted = start(host, {"connectionString": conn_str, "options": {"checks": CHECKS}})
    final = wait_final(host, accepted["jobId"], timeout=120)[-1]
    killer.stop.set()
    killer.join(60)
    return accepted["jobId"], final, killer


def test_one_killed_session_is_replaced_and_the_job_is_whole(host: LocalHost,
                                                             target: tuple[str, str]) -> None:
    job_id, final, killer = run_with_kills(host, target, kills=1)
    assert len(killer.killed) == 1
    assert final["status"] == "Completed" and final["partial"] is False and final["reconnects"] == 1
    assert final["checksCompleted"] == final["checksTotal"] == len(CHECKS)
    body = report(host, job_id).json()
    assert body["partial"] is False and body["checksLost"] == 0
    assert "pg-table-without-index" in {f["checkId"] for f in body["findings"]}  # the killed check ran again


def test_a_connection_that_keeps_dropping_completes_partial_and_says_so(host: LocalHost,
                                                                        target: tuple[str, str]) -> None:
    job_id, final, killer = run_with_kills(host, target, kills=3)
    assert len(killer.killed) == 3
    assert final["status"] == "Completed" and final["partial"] is True and final["reconnects"] == 2
    assert "pg-table-without-index" in final["partialReason"]
    body = report(host, job_id).json()
    assert body["partial"] is True and body["partialReason"] == final["partialReason"] and body["checksLost"] >= 1
    assert "(PARTIAL)" in report(host, job_id, "markdown").text
    assert "Partial result:" in report(host, job_id, "html").text
    sarif = report(host, job_id, "sarif").json()
    assert sarif["runs"][0]["properties"]["partial"] is True
