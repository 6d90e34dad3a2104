"""Runs the YAML check cases: each check has a database state that triggers it and one that does not.

A case file `tests/fixtures/checks/<engine>/<check_id>.yml` holds:

    why: one line on what the fixtures prove
    setup: |            # optional SQL run in both databases first (shared objects)
      CREATE TABLE ...
    fails: |            # SQL that makes the check report (run after setup)
      CREATE TABLE orders (id int);
    expect:             # each item must match one finding's object (substring, case-insensitive)
      - public.orders
    passes: |           # SQL giving a database where the check reports nothing about the expected objects
      CREATE TABLE orders (id int PRIMARY KEY);
    not_live: reason    # only for checks whose condition cannot be produced on a test server (e.g. XID
                        # wraparound age): the check must still run without error and report nothing on `passes`
    skips: regex        # only for checks that need a server feature which may be off (performance_schema): when
                        # the check is skipped with a reason matching this, the case passes; otherwise it runs as usual

Each case gets two fresh throw-away databases (one per state) created through pyodbc, so cases never see each
other's objects. Statements are split on lines ending with `;`. Server-wide objects (roles, users) must use names
unique to the case and are cleaned up by `teardown:` SQL (run on the admin connection).
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyodbc
import pytest
import yaml

from shared.analyzer import catalog, runner
from shared.analyzer.model import CheckOutcome
from shared.analyzer.session import AnalysisSession

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checks"

PG_SERVER = os.environ.get("TEST_PG_HOST", "127.0.0.1"), os.environ.get("TEST_PG_PORT", "5432")
MARIADB_SERVER = os.environ.get("TEST_MARIADB_HOST", "127.0.0.1"), os.environ.get("TEST_MARIADB_PORT", "3306")


def pg_conn_str(database: str) -> str:
    return (f"Driver={{PostgreSQL Unicode}};Server={PG_SERVER[0]};Port={PG_SERVER[1]};Database={database};"
            f"Uid=postgres;Pwd=;")


def mariadb_conn_str(database: str) -> str:
    return (f"Driver={{MariaDB Unicode}};Server={MARIADB_SERVER[0]};Port={MARIADB_SERVER[1]};Database={database};"
            f"Uid=root;Pwd=;")


@dataclass
class CheckCase:
    check_id: str
    engine: str
    why: str
    setup: str
    fails: str
    passes: str
    expect: list[str]
    teardown: str
    not_live: str | None
    skips: str | None = None

    @classmethod
    def load(cls, path: Path) -> "CheckCase":
        data: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
        return cls(path.stem, path.parent.name, data.get("why", ""), data.get("setup", "") or "",
                   data.get("fails", "") or "", data.get("passes", "") or "", list(data.get("expect") or []),
                   data.get("teardown", "") or "", data.get("not_live"), data.get("skips"))


def cases(engine: str) -> list[CheckCase]:
    return [CheckCase.load(p) for p in sorted((FIXTURES / engine).glob("*.yml"))]


def split_sql(script: str) -> list[str]:
    statements, current = [], []
    for line in script.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    tail = "\n".join(current).strip()
    if tail:
        statements.append(tail)
    return [s for s in statements if s.strip()]


def _server_unreachable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}); run `make test`, which starts it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def throwaway_database(engine: str) -> Iterator[str]:
    """A fresh empty database; yields its ODBC connection string and drops it afterwards."""
    name = f"chk_{uuid.uuid4().hex[:12]}"
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"Driver={{SQLite3}};Database={tmp}/{name}.db"
        return
    admin_str = pg_conn_str("postgres") if engine == "postgresql" else mariadb_conn_str("")
    try:
        admin = pyodbc.connect(admin_str, autocommit=True, timeout=5)
    except pyodbc.Error as exc:
        _server_unreachable(engine, exc)
    try:
        admin.execute(f"CREATE DATABASE {name}")
        yield pg_conn_str(name) if engine == "postgresql" else mariadb_conn_str(name)
    finally:
        if engine == "postgresql":
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


def admin_execute(engine: str, script: str) -> None:
    if not script.strip() or engine == "sqlite":
        return
    admin_str = pg_conn_str("postgres") if engine == "postgresql" else mariadb_conn_str("")
    with pyodbc.connect(admin_str, autocommit=True, timeout=5) as admin:
        for statement in split_sql(script):
            try:
                admin.execute(statement)
            except pyodbc.Error:
                pass  # teardown is best effort: the object may not exist if the case failed early


def prepare(conn_str: str, *scripts: str) -> None:
    with pyodbc.connect(conn_str, autocommit=True, timeout=5) as conn:
        for script in scripts:
            for statement in split_sql(script):
                conn.execute(statement)


def run(conn_str: str, check_id: str) -> CheckOutcome:
    check = catalog.by_id()[check_id]
    with AnalysisSession(conn_str, statement_timeout_s=30) as session:
        return runner.run_check(session, check)


def objects_of(outcome: CheckOutcome) -> list[str]:
    return [f.object.lower() for f in outcome.findings]


def _skipped_as_declared(case: CheckCase, outcome: CheckOutcome) -> bool:
    """A skip is acceptable only when the case declares it and the reason says what is missing."""
    return bool(case.skips and outcome.skipped and re.search(case.skips, outcome.skipped))


def assert_case(case: CheckCase) -> None:
    """The check reports every expected object on `fails` and none of them on `passes`."""
    try:
        if case.fails and not case.not_live:
            with throwaway_database(case.engine) as conn_str:
                prepare(conn_str, case.setup, case.fails)
                outcome = run(conn_str, case.check_id)
                if _skipped_as_declared(case, outcome):
                    return
                assert outcome.skipped is None, f"{case.check_id} skipped: {outcome.skipped}"
                found = objects_of(outcome)
                for expected in case.expect:
                    assert any(expected.lower() in o for o in found), \
                        f"{case.check_id}: expected a finding on {expected!r}, got {found}"
        with throwaway_database(case.engine) as conn_str:
            prepare(conn_str, case.setup, case.passes)
            outcome = run(conn_str, case.check_id)
            if _skipped_as_declared(case, outcome):
                return
            assert outcome.skipped is None, f"{case.check_id} skipped: {outcome.skipped}"
            found = objects_of(outcome)
            for expected in case.expect:
                assert not any(expected.lower() in o for o in found), \
                    f"{case.check_id}: unexpected finding on {expected!r} in the passing state: {found}"
    finally:
        admin_execute(case.engine, case.teardown)
