"""Runs the YAML check cases: each check has a database state that triggers it and one that does not.

A case file `tests/fixtures/checks/<engine>/<check_id>.yml` holds:

    why: one line on what the fixtures prove
    setup: |            # optional SQL run in both databases first (shared objects)
      CREATE TABLE ...
    fails: |            # SQL that makes the check report (run after setup)
      CREATE TABLE orders (id int);
    expect:             # each item must match one finding's object (substring, case-insensitive)
      - public.orders
    absent:             # optional: objects that must NOT be reported in the failing state (wrong-advice guards:
      - public.orders_pkey  # e.g. the constraint-backed twin of a duplicate index must not be the one to drop)
    says:               # optional: each must occur in some finding's message or recommendation (failing state)
      - DROP INDEX CONCURRENTLY public.orders_dup
    never_says:         # optional: none of these may occur in any finding's message or recommendation (failing
      - "unique: 1"     # state), e.g. a boolean rendered as 1
    passes: |           # SQL giving a database where the check reports nothing about the expected objects
      CREATE TABLE orders (id int PRIMARY KEY);
    not_live: reason    # only for checks whose condition cannot be produced on a test server (e.g. XID
                        # wraparound age): the check must still run without error and report nothing on `passes`
    skips: regex        # only for checks that need a server feature which may be off (performance_schema): when
                        # the check is skipped with a reason matching this, the case passes; otherwise it runs as usual
    hold: |             # optional SQL run, in both states, on a SECOND connection to that state's database with
      SELECT 1;         # autocommit off, after setup and fails/passes: its transaction stays open (idle in
                        # transaction) while the check runs, then is rolled back and closed (session-state checks)
    hold_wait: 1.5      # optional seconds to wait between opening the hold and running the check (transaction age)
    parameters:         # optional: catalog parameters (thresholds) this case runs the check with, e.g. a small
      max_columns: 3    # column limit so the fixture stays small (the substitution itself is what is tested)
    counters:           # optional (mysql handlers mysql_server_counters / mysql_variable_rules): the status and system
      fails: {Uptime: 86400, Select_full_join: 900}   # variables each state's check sees instead of the live
      passes: {Uptime: 86400, Select_full_join: 0}    # server's, which only grow and are shared by every test
                        # (the check's SQL still runs live on the server); test_mysql_server_counters.py also runs
                        # every counter check on the real values
    server_globals:     # optional (mysql only) global variables the case changes with SET GLOBAL: their values are
      - sql_mode        # read before each state and restored right after that state's check ran, so the server is
                        # left as it was found (not as a guess of its default) and the change lasts under a second

Each case gets two fresh throw-away databases (one per state) created through pyodbc, so cases never see each
other's objects. Statements are split on lines ending with `;`. Server-wide objects (roles, users) must use names
unique to the case and are cleaned up by `teardown:` SQL (run on the admin connection).
"""
from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyodbc
import pytest
import yaml

from shared.analyzer import catalog, runner
from shared.analyzer.handlers.mysql import evaluate_counters, evaluate_variable_rules
from shared.analyzer.mappers import rows_to_findings
from shared.analyzer.model import CheckOutcome
from shared.analyzer.session import AnalysisSession

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checks"

PG_SERVER = os.environ.get("TEST_PG_HOST", "127.0.0.1"), os.environ.get("TEST_PG_PORT", "5432")
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")

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
    hold: str = ""
    hold_wait: float = 0.0
    server_globals: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    says: tuple[str, ...] = ()
    never_says: tuple[str, ...] = ()
    counters: dict[str, dict[str, str]] | None = None
    parameters: dict[str, float] | None = None

    @classmethod
    def load(cls, path: Path) -> "CheckCase":
        data: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
        names = tuple(data.get("server_globals") or ())
        bad = [n for n in names if not _VARIABLE_NAME.fullmatch(str(n))]
        if bad or (names and path.parent.name != "mysql"):
            raise ValueError(f"{path.name}: server_globals must be plain mysql variable names, got {list(names)}")
        return cls(path.stem, path.parent.name, data.get("why", ""), data.get("setup", "") or "",
                   data.get("fails", "") or "", data.get("passes", "") or "", list(data.get("expect") or []),
                   data.get("teardown", "") or "", data.get("not_live"), data.get("skips"),
                   data.get("hold", "") or "", float(data.get("hold_wait") or 0), names,
                   tuple(data.get("absent") or ()), tuple(data.get("says") or ()),
                   tuple(data.get("never_says") or ()), _counters(path, data.get("counters")),
                   {str(k): float(v) for k, v in (data.get("parameters") or {}).items()} or None)


def _counters(path: Path, data: Any) -> dict[str, dict[str, str]] | None:
    if data is None:
        return None
    if path.parent.name != "mysql" or set(data) != {"fails", "passes"}:
        raise ValueError(f"{path.name}: counters (mysql only) needs exactly fails and passes")
    return {state: {str(k): str(v) for k, v in (data[state] or {}).items()} for state in ("fails", "passes")}


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
    with closing(pyodbc.connect(admin_str, autocommit=True, timeout=5)) as admin:
        for statement in split_sql(script):
            try:
                admin.execute(statement)
            except pyodbc.Error:
                pass  # teardown is best effort: the object may not exist if the case failed early


def prepare(conn_str: str, *scripts: str) -> None:
    # closing(), not the connection's own `with` (which only commits): a statement that fails mid-transaction
    # would otherwise leave the session open holding locks, and dropping the database would wait on it forever.
    with closing(pyodbc.connect(conn_str, autocommit=True, timeout=5)) as conn:
        for script in scripts:
            for statement in split_sql(script):
                conn.execute(statement)


def run(conn_str: str, check_id: str, counters: dict[str, str] | None = None,
        parameters: dict[str, float] | None = None) -> CheckOutcome:
    check = catalog.by_id()[check_id]
    if parameters:
        unknown = set(parameters) - {name for name, _ in check.parameters}
        assert not unknown, f"{check_id} has no parameters {sorted(unknown)}"
        check = dataclasses.replace(check, parameters=tuple({**dict(check.parameters), **parameters}.items()))
    with AnalysisSession(conn_str, statement_timeout_s=30) as session:
        if counters is None:
            return runner.run_check(session, check)
        outcome = CheckOutcome(check_id)
        evaluate = evaluate_variable_rules if check.handler == "mysql_variable_rules" else evaluate_counters
        outcome.findings = rows_to_findings(check, evaluate(session, check, counters))
        return outcome


def objects_of(outcome: CheckOutcome) -> list[str]:
    return [f.object.lower() for f in outcome.findings]


def texts_of(outcome: CheckOutcome) -> list[str]:
    return [f"{f.message} {f.recommendation}" for f in outcome.findings]


def _skipped_as_declared(case: CheckCase, outcome: CheckOutcome) -> bool:
    """A skip is acceptable only when the case declares it and the reason says what is missing."""
    return bool(case.skips and outcome.skipped and re.search(case.skips, outcome.skipped))


@contextmanager
def held_transaction(case: CheckCase, conn_str: str) -> Iterator[None]:
    """Keeps `hold` open on its own connection while the body runs: the second session a session-state check sees."""
    if not case.hold.strip():
        yield
        return
    conn = pyodbc.connect(conn_str, autocommit=False, timeout=5)
    try:
        for statement in split_sql(case.hold):
            conn.execute(statement)
        if case.hold_wait:
            time.sleep(case.hold_wait)
        yield
    finally:
        try:
            conn.rollback()
        finally:
            conn.close()


@contextmanager
def server_globals_kept(case: CheckCase) -> Iterator[None]:
    """Puts back the global variables the case changes, with the values they had before it (read, not assumed)."""
    if not case.server_globals:
        yield
        return
    try:
        admin = pyodbc.connect(mariadb_conn_str(""), autocommit=True, timeout=5)
    except pyodbc.Error as exc:
        _server_unreachable(case.engine, exc)
    with closing(admin):
        originals = {name: admin.execute(f"SELECT @@GLOBAL.{name}").fetchone()[0] for name in case.server_globals}
    try:
        yield
    finally:
        with closing(pyodbc.connect(mariadb_conn_str(""), autocommit=True, timeout=5)) as admin:
            for name, value in originals.items():
                admin.execute(f"SET GLOBAL {name} = ?", value)


def _state_findings(case: CheckCase, script: str, state: str) -> tuple[list[str], list[str]] | None:
    """Objects and texts of the findings on a fresh database in one state; None when skipped as the case declares."""
    with server_globals_kept(case), throwaway_database(case.engine) as conn_str:
        prepare(conn_str, case.setup, script)
        with held_transaction(case, conn_str):
            outcome = run(conn_str, case.check_id, (case.counters or {}).get(state), case.parameters)
    if _skipped_as_declared(case, outcome):
        return None
    assert outcome.skipped is None, f"{case.check_id} skipped: {outcome.skipped}"
    return objects_of(outcome), texts_of(outcome)


def assert_case(case: CheckCase) -> None:
    """The check reports every expected object on `fails` and none of them on `passes`."""
    try:
        if case.fails and not case.not_live:
            state = _state_findings(case, case.fails, "fails")
            if state is None:
                return
            found, texts = state
            for expected in case.expect:
                assert any(expected.lower() in o for o in found), \
                    f"{case.check_id}: expected a finding on {expected!r}, got {found}"
            for unwanted in case.absent:
                assert not any(unwanted.lower() in o for o in found), \
                    f"{case.check_id}: {unwanted!r} must not be reported, got {found}"
            for phrase in case.says:
                assert any(phrase in t for t in texts), f"{case.check_id}: no finding says {phrase!r}: {texts}"
            for phrase in case.never_says:
                assert not any(phrase in t for t in texts), f"{case.check_id}: a finding says {phrase!r}: {texts}"
        state = _state_findings(case, case.passes, "passes")
        if state is None:
            return
        found = state[0]
        for expected in case.expect:
            assert not any(expected.lower() in o for o in found), \
                f"{case.check_id}: unexpected finding on {expected!r} in the passing state: {found}"
    finally:
        admin_execute(case.engine, case.teardown)
