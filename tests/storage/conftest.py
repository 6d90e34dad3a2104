"""Every storage test runs twice: on an embedded SQLite file and, live, on PostgreSQL through pyodbc.

Each test gets a fresh, empty application database (a new SQLite file, or a throw-away PostgreSQL database made by
`tests/support/databases.py`, which honours `TEST_PG_HOST/PORT/USER/PASSWORD` and fails instead of skipping under
`CI=true`). `APP_DATABASE_URL` points at it and `get_database()` returns the same object, so code that looks the
database up by itself (the GitHub gateway, activities) uses the one under test.

Every statement executed here is also recorded, with where it came from, for the static SQL Server check in
`test_sqlserver_static.py`.
"""
from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from shared.storage import db as db_module
from shared.storage.db import Database

BACKENDS = ("sqlite", "postgresql")

# statement (as SQL Server would receive it) -> "file:line" of the first product frame that ran it
EXECUTED: dict[str, str] = {}
_LIMITS: dict[str, str] = {}  # portable-paging text as rendered for SQLite/PostgreSQL -> SQL Server rendering
_ROOT = Path(__file__).resolve().parents[2]


def _origin() -> str:
    """file:line of the innermost frame outside this folder's helpers (a product module, or a test)."""
    helpers = {Path(__file__).resolve(), _ROOT / "tests" / "storage" / "concurrency.py"}
    facade = Path(db_module.__file__).resolve()
    inside_facade = ""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if frame.filename.startswith("<"):
            continue
        path = Path(frame.filename).resolve()
        if path == facade:  # the facade's own statements (migrations) count only when nothing else ran them
            inside_facade = inside_facade or f"shared/storage/db.py:{frame.lineno}"
        elif path.is_relative_to(_ROOT) and path not in helpers and ".venv" not in path.parts:
            return f"{path.relative_to(_ROOT)}:{frame.lineno}"
    return inside_facade or "unknown"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The check of recorded statements needs every other storage test to have run first."""
    last = [i for i in items if i.name == "test_statements_executed_by_the_live_store_tests_are_tsql"]
    items[:] = [i for i in items if i not in last] + last


@pytest.fixture(scope="session", autouse=True)
def record_statements() -> Iterator[dict[str, str]]:
    """Wrap `Database._execute` and `Database.limit` for the session (the SQL text, never the parameters)."""
    real_execute, real_limit = Database._execute, Database.limit

    def execute(self: Database, sql: str, params: Any) -> Any:
        EXECUTED.setdefault(_LIMITS.get(sql, sql), _origin())
        return real_execute(self, sql, params)

    def limit(self: Database, sql: str, limit: int, offset: int = 0) -> str:
        rendered = real_limit(self, sql, limit, offset)
        _LIMITS[rendered] = real_limit(SimpleNamespace(dialect="sqlserver"), sql, limit, offset)
        return rendered

    Database._execute, Database.limit = execute, limit  # type: ignore[method-assign]
    try:
        yield EXECUTED
    finally:
        Database._execute, Database.limit = real_execute, real_limit  # type: ignore[method-assign]


@pytest.fixture(params=BACKENDS)
def app_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    return "odbc:" + request.getfixturevalue("postgres_db")("app")


@pytest.fixture
def app_db(app_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A fresh, migrated application database, also what `get_database()` returns during the test."""
    database = Database(app_db_url)
    monkeypatch.setenv("APP_DATABASE_URL", app_db_url)
    monkeypatch.setattr(db_module, "_databases", {app_db_url: database})
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def open_database(app_db_url: str) -> Iterator[Callable[[], Database]]:
    """Factory of further `Database` objects on the same database (a second process, in effect)."""
    made: list[Database] = []

    def make() -> Database:
        made.append(Database(app_db_url))
        return made[-1]

    yield make
    for database in made:
        database.close()
