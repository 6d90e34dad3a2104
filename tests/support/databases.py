"""Throw-away PostgreSQL / MariaDB / SQLite databases reached through pyodbc, one per call, dropped at the end.

Servers are the loopback ones (`scripts/ensure_databases.sh` starts them for `make test`); override with
`TEST_PG_HOST/PORT/USER/PASSWORD` and `TEST_MARIADB_HOST/PORT/USER/PASSWORD` (the names
`scripts/ensure_databases.sh` and `tests/analyzer/check_cases.py` use; `TEST_POSTGRES_*` is still accepted).
When a server does not answer the test is skipped with the reason, except under `CI=true`, where it fails: live
tests must never vanish silently.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def unreachable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({type(error).__name__}: {str(error)[:200]}); run scripts/ensure_databases.sh"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class ServerDatabases:
    """Creates databases on one server; `cleanup()` drops every one it made."""

    engine: str
    driver: str
    host: str
    port: int
    user: str
    password: str
    created: list[str] = field(default_factory=list)

    def connection_string(self, database: str | None = None) -> str:
        db = f"Database={database};" if database else ("Database=postgres;" if self.engine == "postgresql" else "")
        return (f"Driver={{{self.driver}}};Server={self.host};Port={self.port};{db}"
                f"Uid={self.user};Pwd={self.password};")

    def _admin(self):  # noqa: ANN202 - pyodbc has no type stubs
        import pyodbc

        try:
            return pyodbc.connect(self.connection_string(), autocommit=True, timeout=5)
        except pyodbc.Error as exc:
            unreachable(f"{self.engine} at {self.host}:{self.port}", exc)

    def __call__(self, prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        self.created.append(name)
        return self.connection_string(name)

    def cleanup(self) -> None:
        if not self.created:
            return
        import pyodbc

        try:
            conn = pyodbc.connect(self.connection_string(), autocommit=True, timeout=5)
        except pyodbc.Error:
            return
        with conn:
            for name in self.created:
                try:
                    if self.engine == "postgresql":
                        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                    else:
                        conn.execute(f"DROP DATABASE IF EXISTS {name}")
                except pyodbc.Error:
                    pass
        self.created.clear()


def _pg_setting(name: str, default: str) -> str:
    return os.environ.get(f"TEST_PG_{name}") or os.environ.get(f"TEST_POSTGRES_{name}") or default


def postgres_server() -> ServerDatabases:
    return ServerDatabases("postgresql", "PostgreSQL Unicode", _pg_setting("HOST", "127.0.0.1"),
                           int(_pg_setting("PORT", "5432")), _pg_setting("USER", "postgres"),
                           _pg_setting("PASSWORD", ""))


def mariadb_server() -> ServerDatabases:
    return ServerDatabases("mysql", "MariaDB Unicode", os.environ.get("TEST_MARIADB_HOST", "127.0.0.1"),
                           int(os.environ.get("TEST_MARIADB_PORT", "3306")),
                           os.environ.get("TEST_MARIADB_USER", "root"),
                           os.environ.get("TEST_MARIADB_PASSWORD", ""))


@dataclass
class SqliteDatabases:
    folder: Path

    def __call__(self, prefix: str = "t") -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{prefix}_{uuid.uuid4().hex[:12]}.sqlite"
        return f"Driver={{SQLite3}};Database={path};"
