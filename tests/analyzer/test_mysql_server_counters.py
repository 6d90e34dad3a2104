"""Counter and variable-rule checks (mysql_server_counters, mysql_variable_rules) on the live server's own
SHOW GLOBAL STATUS / VARIABLES values.

Their fixtures give chosen values to both states (the real counters only grow and are shared by every test); this
proves the production path too: the values are read from the server, bound into the check's SQL, the check runs
without being skipped, and each finding says since when the counters accumulate.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.analyzer import catalog, runner
from shared.analyzer.handlers import SkipCheck
from shared.analyzer.handlers.mysql import evaluate_counters, read_counters
from shared.analyzer.session import AnalysisSession
from tests.analyzer.check_cases import throwaway_database

COUNTER_CHECKS = [c for c in catalog.all_checks() if c.handler in ("mysql_server_counters", "mysql_variable_rules")]


@pytest.fixture(scope="module")
def mariadb() -> Iterator[str]:
    with throwaway_database("mysql") as conn_str:
        yield conn_str


def test_counter_checks_exist() -> None:
    assert len(COUNTER_CHECKS) >= 10


@pytest.mark.parametrize("check", COUNTER_CHECKS, ids=lambda c: c.id)
def test_runs_on_the_live_server_values(mariadb: str, check) -> None:
    with AnalysisSession(mariadb, statement_timeout_s=30) as session:
        outcome = runner.run_check(session, check)
    assert outcome.skipped is None, outcome.skipped
    for finding in outcome.findings:
        assert finding.details.get("statistics_since") or not check.usage_based


def test_reads_status_and_variables_by_lower_case_name(mariadb: str) -> None:
    with AnalysisSession(mariadb, statement_timeout_s=30) as session:
        values = read_counters(session)
    assert int(values["uptime"]) > 0
    assert int(values["max_connections"]) > 0
    assert values["performance_schema"] in ("ON", "OFF")


def test_a_counter_the_server_lacks_skips_with_the_name(mariadb: str) -> None:
    check = catalog.by_id()["mysql-innodb-log-waits"]
    with AnalysisSession(mariadb, statement_timeout_s=30) as session, \
            pytest.raises(SkipCheck, match="innodb_log_waits"):
        evaluate_counters(session, check, {"innodb_log_buffer_size": "16777216"})
