"""Live cases for every sqlserver check, against a real SQL Server named by `TEST_MSSQL_CONN`.

SQL Server cannot run on the build machine, so `make test` skips this module (the only skip it has); everything
here is also checked statically by `test_sqlserver_static.py`. To run it (docs/sqlserver.md):

    TEST_MSSQL_CONN='Driver={FreeTDS};Server=sql.example;Port=1433;Uid=sa;Pwd=...;TDS_Version=7.4' \
        .venv/bin/python -m pytest -q tests/analyzer/test_checks_sqlserver_live.py

The login needs CREATE DATABASE (each case gets two throw-away databases) and, for the server-scoped checks,
VIEW SERVER STATE. Fixtures marked `server_level: true` would change server configuration or logins on someone's
server: their DDL is never executed; the check is only run to prove its query works there. `{database}` in
`expect` stands for the throw-away database's name.
"""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.analyzer import catalog, runner
from shared.analyzer.session import AnalysisSession
from tests.analyzer.check_cases import FIXTURES

CONN = os.environ.get("TEST_MSSQL_CONN", "")
pytestmark = pytest.mark.skipif(not CONN, reason="SQL Server is not part of make test: set TEST_MSSQL_CONN to run "
                                                  "the sqlserver cases live (docs/sqlserver.md)")


def _with_database(conn_str: str, database: str) -> str:
    parts = [p for p in conn_str.split(";") if p and not re.match(r"\s*(database|initial catalog)\s*=", p, re.I)]
    return ";".join(parts + [f"Database={database}"])


def _batches(script: str) -> list[str]:
    return [b for b in re.split(r"^\s*GO\s*$", script or "", flags=re.M | re.I) if b.strip()]


def _execute(conn: Any, script: str) -> None:
    for batch in _batches(script):
        cursor = conn.execute(batch)
        while cursor.nextset():
            pass


@contextmanager
def _throwaway() -> Iterator[tuple[str, str]]:
    import pyodbc

    name = f"chk_{uuid.uuid4().hex[:12]}"
    admin = pyodbc.connect(CONN, autocommit=True, timeout=10)
    try:
        admin.execute(f"CREATE DATABASE [{name}]")
        yield name, _with_database(CONN, name)
    finally:
        admin.execute(f"IF DB_ID(N'{name}') IS NOT NULL BEGIN ALTER DATABASE [{name}] SET SINGLE_USER WITH "
                      f"ROLLBACK IMMEDIATE; DROP DATABASE [{name}]; END")
        admin.close()


def _run(conn_str: str, check_id: str):
    with AnalysisSession(conn_str, statement_timeout_s=60) as session:
        return runner.run_check(session, catalog.by_id()[check_id])


def _state(case: dict[str, Any], script_key: str, check_id: str) -> tuple[str, list[str]]:
    import pyodbc

    with _throwaway() as (name, conn_str):
        with pyodbc.connect(conn_str, autocommit=True, timeout=10) as conn:
            _execute(conn, case.get("setup", ""))
            _execute(conn, case.get(script_key, ""))
        outcome = _run(conn_str, check_id)
        assert outcome.skipped is None, f"{check_id} skipped: {outcome.skipped}"
        return name, [f.object.lower() for f in outcome.findings]


CASES = sorted((FIXTURES / "sqlserver").glob("*.yml"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_check_reports_the_defect_and_not_the_fix(path: Path) -> None:
    import pyodbc

    case = yaml.safe_load(path.read_text())
    check_id = path.stem
    if case.get("server_level"):
        with _throwaway() as (_, conn_str):
            outcome = _run(conn_str, check_id)
        assert outcome.skipped is None or outcome.skipped.startswith(("permission denied", "requires",
                                                                      "not available")), outcome.skipped
        return
    try:
        name, found = _state(case, "fails", check_id)
        for expected in case["expect"]:
            wanted = expected.replace("{database}", name).lower()
            assert any(wanted in o for o in found), f"{check_id}: expected {wanted!r} in {found}"
        name, found = _state(case, "passes", check_id)
        for expected in case["expect"]:
            wanted = expected.replace("{database}", name).lower()
            assert not any(wanted in o for o in found), f"{check_id}: unexpected {wanted!r} in {found}"
    finally:
        if case.get("teardown"):
            with pyodbc.connect(CONN, autocommit=True, timeout=10) as admin:
                for batch in _batches(case["teardown"]):
                    try:
                        admin.execute(batch)
                    except pyodbc.Error:
                        pass
