"""SQL Server / Azure SQL, checked statically (it cannot run here; SQLite and PostgreSQL run live in this folder).

- every migration, rendered with the `sqlserver` type mapping and sent the way `Database.migrate()` sends it,
  parses as T-SQL and uses nothing SQLite/PostgreSQL-only (`tests/storage/tsql.py` lists the constructs);
- primary keys and indexes fit SQL Server's key limits;
- every SQL string in the modules that use the application database, and every statement the live store tests
  of this folder executed, passes the same checks; a failure names the statement and the file:line it came from.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from shared.storage import db as db_module
from shared.storage.db import _TYPES, Database
from tests.storage import conftest
from tests.storage.tsql import key_bytes, problems

ROOT = Path(__file__).resolve().parents[2]
SQLSERVER_URL = "odbc:Driver={ODBC Driver 18 for SQL Server};Server=tcp:example.database.windows.net,1433;"
SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|MERGE)\s")  # SQL is upper case here
# Keys SQL Server creates with warning 1945 (clustered key may exceed 900 bytes): the repository column is
# NVARCHAR(400), but GitHub repository names are at most 100 characters, so real keys stay under 400 bytes.
WIDE_CLUSTERED_KEYS_ACCEPTED = {"policy_results", "policy_violations"}


def report(where: dict[str, str]) -> str:
    bad = {sql: (origin, problems(sql)) for sql, origin in where.items()}
    lines = [f"{origin}: {'; '.join(why)}\n    {' '.join(sql.split())}" for sql, (origin, why) in bad.items() if why]
    return "\n".join(lines)


# -- the checker can fail --------------------------------------------------------------------------------------
@pytest.mark.parametrize("sql", [
    "SELECT * FROM analysis_jobs ORDER BY created_at LIMIT 10",
    "INSERT INTO analysis_reports (job_id) VALUES (?) ON CONFLICT (job_id) DO NOTHING",
    "INSERT OR REPLACE INTO analysis_reports (job_id) VALUES (?)",
    "UPDATE analysis_jobs SET status = ? WHERE job_id = ? RETURNING job_id",
    "SELECT job_id || '-x' FROM analysis_jobs",
    "SELECT * FROM policy_scans WHERE org ILIKE ?",
    "SELECT * FROM policy_scans WHERE dry_run = TRUE",
    "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)",
    "CREATE TABLE t (id SERIAL PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS t (id INT)",
    "SELECT created_at::date FROM analysis_jobs",
    "SELECT * FROM analysis_jobs OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY",
    "SELECT * FROM analysis_jobs WHERE (",
    "DELETE FROM a; DELETE FROM b",
    "SELECT DISTINCT repository FROM policy_results ORDER BY evaluated_at",
])
def test_checker_rejects_sql_that_sql_server_would_refuse(sql: str) -> None:
    assert problems(sql), sql


def test_checker_accepts_portable_sql_and_ignores_literals() -> None:
    assert problems("SELECT * FROM analysis_jobs WHERE status IN ('Pending', 'Running') AND target <> 'a || b' "
                    "ORDER BY created_at DESC OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY") == []


# -- migrations --------------------------------------------------------------------------------------------------
def migration_statements() -> list[tuple[str, str]]:
    """(statement, origin) exactly as `Database.migrate()` would send them to an empty SQL Server database."""
    sent: list[tuple[str, str]] = []
    database = Database(SQLSERVER_URL)
    assert database.dialect == "sqlserver"
    current = {"file": "shared/storage/db.py"}
    real_read_text = Path.read_text

    def read_text(path: Path, *args: Any, **kwargs: Any) -> str:
        if path.parent == db_module.MIGRATIONS_DIR:
            current["file"] = f"shared/storage/migrations/{path.name}"
        return real_read_text(path, *args, **kwargs)

    def execute(sql: str, params: Any) -> Any:
        sent.append((sql, current["file"]))
        return SimpleNamespace(description=[("version",)], fetchall=lambda: [], rowcount=1)

    fake_connection = SimpleNamespace(autocommit=True, commit=lambda: None, rollback=lambda: None)
    database._execute = execute  # type: ignore[method-assign]  # no SQL Server here: record what would be sent
    database._connection = lambda: fake_connection  # type: ignore[method-assign]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "read_text", read_text)
        database.migrate()
    return sent


def test_every_migration_renders_and_parses_as_tsql() -> None:
    statements = migration_statements()
    files = sorted(p.name for p in db_module.MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    assert {origin.rsplit("/", 1)[-1] for _, origin in statements} >= set(files)
    assert not any(re.search(r"\{\w+\}", sql) for sql, _ in statements), "an unknown type placeholder"
    failures = report(dict(reversed(statements)))
    assert not failures, "not SQL Server T-SQL:\n" + failures


def test_type_mapping_covers_every_placeholder_in_every_dialect() -> None:
    used = {m for p in db_module.MIGRATIONS_DIR.glob("*.sql") for m in re.findall(r"\{(\w+)\}", p.read_text())}
    for dialect, types in _TYPES.items():
        assert used <= set(types), f"{dialect} lacks {used - set(types)}"


def tables() -> Iterator[tuple[str, exp.Create]]:
    for sql, _ in migration_statements():
        tree = sqlglot.parse_one(sql, read="tsql")
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            yield tree.this.this.name, tree


def test_keys_fit_sql_server_limits() -> None:
    """A MAX column cannot be a key; nonclustered keys are limited to 1,700 bytes, clustered ones (the primary
    keys) to 900 bytes of actual data (SQL Server warns at CREATE and refuses longer rows at INSERT)."""
    columns: dict[str, dict[str, str]] = {}
    for name, tree in tables():
        schema = tree.this
        columns[name] = {c.name: c.args["kind"].sql("tsql") for c in schema.expressions
                         if isinstance(c, exp.ColumnDef)}
        keys = [c.name for c in schema.expressions if isinstance(c, exp.ColumnDef)
                and c.find(exp.PrimaryKeyColumnConstraint)]
        for constraint in schema.find_all(exp.PrimaryKey):
            keys += [e.name for e in constraint.expressions]
        widths = [key_bytes(columns[name][k]) for k in keys]
        assert keys and None not in widths, f"{name}: primary key {keys} is missing or has a MAX column"
        if sum(widths) > 900:
            assert name in WIDE_CLUSTERED_KEYS_ACCEPTED, f"{name}: primary key {keys} is {sum(widths)} bytes > 900"
    assert WIDE_CLUSTERED_KEYS_ACCEPTED <= set(columns)
    for sql, origin in migration_statements():
        index = re.match(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)\s+ON\s+(\w+)\s*\(([^)]*)\)", sql, re.I)
        if index:
            name, table, cols = index.groups()
            widths = [key_bytes(columns[table][c.strip().split()[0]]) for c in cols.split(",")]
            assert None not in widths and sum(widths) <= 1700, f"{origin}: index {name} on {cols} is too wide"


# -- product SQL -------------------------------------------------------------------------------------------------
def modules_using_the_app_database() -> list[Path]:
    found = []
    for folder in ("shared", "triggers", "activities", "orchestrators"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text()
            if "shared.storage" in text or path == Path(db_module.__file__).resolve():
                found.append(path)
    return found


def _render(node: ast.AST) -> str | None:
    """A string constant, or an f-string with each hole replaced by something that keeps the SQL well formed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                hole = ast.unparse(value.value)
                parts.append("?, ?" if "marks" in hole else "VARCHAR(80)" if "types[" in hole else "x_" +
                             re.sub(r"\W+", "_", hole).strip("_"))
        return "".join(parts)
    return None


def sql_strings_in_source() -> dict[str, str]:
    """Every SQL-looking string of the modules that use the application database, keyed to its file:line.
    Strings passed to `<db>.limit(sql, ...)` are checked as SQL Server would receive them."""
    found: dict[str, str] = {}
    for path in modules_using_the_app_database():
        tree = ast.parse(path.read_text())
        limited: set[int] = set()
        skipped: set[int] = set()  # parts of f-strings, and docstrings / bare string statements
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                skipped.update(id(v) for v in node.values)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                skipped.add(id(node.value))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "limit" \
                    and node.args:
                limited.add(id(node.args[0]))
        for node in ast.walk(tree):
            text = None if id(node) in skipped else _render(node)
            if text is None or not SQL_START.match(text) or len(text.split()) < 3:
                continue
            if id(node) in limited:
                text = Database.limit(SimpleNamespace(dialect="sqlserver"), text, 10, 20)  # type: ignore[arg-type]
            found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_sql_string_in_product_code_is_tsql() -> None:
    found = sql_strings_in_source()
    origins = {o.split(":")[0] for o in found.values()}
    for module in ("shared/analyzer/jobs.py", "shared/secrets.py", "shared/policies/store.py",
                   "shared/github/etag_cache.py", "shared/monitoring/store.py", "shared/storage/db.py"):
        assert module in origins, f"no SQL found in {module}: the collector is broken"
    failures = report(found)
    assert not failures, "not SQL Server T-SQL:\n" + failures


@pytest.mark.live  # reads what the live store tests executed
def test_statements_executed_by_the_live_store_tests_are_tsql(request: pytest.FixtureRequest) -> None:
    """Runs last (see `conftest.pytest_collection_modifyitems`): what the SQLite/PostgreSQL tests above executed."""
    here = Path(__file__)
    others = [i for i in request.session.items if i.path.parent == here.parent and i.path.name != here.name]
    # DDL (CREATE, and ALTER of later migrations) was rendered for SQLite/PostgreSQL there; the sqlserver rendering
    # is checked by the migration test above
    executed = {sql: origin for sql, origin in conftest.EXECUTED.items()
                if not origin.startswith("tests/") and not sql.lstrip().upper().startswith(("CREATE ", "ALTER "))}
    if not executed and others:  # they were collected, so they ran before this test, in this process
        pytest.fail("the other tests of tests/storage ran in another process: tests/conftest.py keeps them in one")
    if not executed:
        pytest.skip("run together with the other tests of tests/storage (nothing was recorded)")
    origins = {o.split(":")[0] for o in executed.values()}
    assert {"shared/analyzer/jobs.py", "shared/policies/store.py", "shared/github/etag_cache.py"} <= origins
    assert any("OFFSET" in sql and "FETCH NEXT" in sql for sql in executed), "paging was not recorded"
    failures = report(executed)
    assert not failures, "not SQL Server T-SQL:\n" + failures
