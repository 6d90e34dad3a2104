"""The application database: one set of SQL (`?` parameters) for SQLite, PostgreSQL and SQL Server.

Jobs, reports, scans and action logs must survive a host restart and be shared by every instance of the app, so
they live in a relational database rather than in orchestration state. SQLite needs no server and is the local
default; Azure runs the same statements on Azure SQL through pyodbc, and PostgreSQL through pyodbc is tested live
to keep the SQL portable. Migrations are plain files with a few type placeholders, applied once per process.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Type placeholders of the migration files, per dialect. Timestamps are ISO-8601 UTC strings so that they sort and
# compare the same way everywhere; ids are app-generated strings so that no dialect's autoincrement is needed.
_TYPES: dict[str, dict[str, str]] = {
    "sqlite": {"text": "TEXT", "id": "VARCHAR(80)", "ts": "VARCHAR(40)", "int": "INTEGER",
               "bigint": "BIGINT", "bool": "SMALLINT", "name": "VARCHAR(400)"},
    "postgresql": {"text": "TEXT", "id": "VARCHAR(80)", "ts": "VARCHAR(40)", "int": "INTEGER",
                   "bigint": "BIGINT", "bool": "SMALLINT", "name": "VARCHAR(400)"},
    "sqlserver": {"text": "NVARCHAR(MAX)", "id": "VARCHAR(80)", "ts": "VARCHAR(40)", "int": "INT",
                  "bigint": "BIGINT", "bool": "SMALLINT", "name": "NVARCHAR(400)"},
}


class DatabaseError(RuntimeError):
    """The application database failed; the message never carries the connection string."""


class IntegrityError(DatabaseError):
    """A unique or primary key constraint refused a row: callers use it to make writes idempotent."""


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: str  # sqlite | postgresql | sqlserver
    target: str  # file path for sqlite, ODBC connection string otherwise

    @classmethod
    def parse(cls, url: str) -> "DatabaseUrl":
        if url.startswith("sqlite:///"):
            return cls("sqlite", url[len("sqlite:///"):])
        if url.startswith("odbc:"):
            conn = url[len("odbc:"):]
            found = re.search(r"driver\s*=\s*\{?([^};]+)", conn, re.I)
            driver = found.group(1).lower() if found else ""
            if "postgres" in driver:
                if re.search(r"(^|;)\s*protocol\s*=\s*[\d.]+-[01]\s*(;|$)", conn, re.I):
                    # The stores catch a duplicate insert inside a transaction and go on; with rollback level 0
                    # PostgreSQL aborts the transaction, with level 1 the driver silently undoes its earlier work.
                    raise DatabaseError("APP_DATABASE_URL: drop the psqlODBC Protocol=...-0/-1 option; the app needs "
                                        "the default statement-level rollback (Protocol=7.4-2)")
                return cls("postgresql", conn)
            if "sql server" in driver or "freetds" in driver or "tds" in driver:
                return cls("sqlserver", conn)
            raise DatabaseError("APP_DATABASE_URL: unsupported ODBC driver for the application database "
                                "(use PostgreSQL or SQL Server)")
        raise DatabaseError("APP_DATABASE_URL must start with 'sqlite:///' or 'odbc:'")


class Database:
    """A small DB-API facade: short transactions, rows as dicts, migrations applied on first use."""

    def __init__(self, url: str) -> None:
        self.url = DatabaseUrl.parse(url)
        self.dialect = self.url.dialect
        self._local = threading.local()
        self._migrated = False
        self._migrate_lock = threading.Lock()
        # SQLite has one writer at a time. Threads of this process queue for it here, woken the moment the writer
        # commits, instead of in SQLite's busy handler, which sleeps in steps of up to 100 ms: under a burst of
        # starts that sleeping, not the writes, made the waits (benchmarks/bench_start_burst.py). Other processes
        # still meet `busy_timeout`.
        self._sqlite_writer = threading.Lock() if self.dialect == "sqlite" else None
        self._synchronous = _sqlite_synchronous() if self.dialect == "sqlite" else ""

    # -- connections -------------------------------------------------------------------------------------------
    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            Path(self.url.target).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.url.target, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            _enable_wal(conn)
            conn.execute(f"PRAGMA synchronous={self._synchronous}")  # after WAL: its meaning depends on the mode
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        import pyodbc  # imported lazily: SQLite-only deployments need no ODBC

        try:
            conn = pyodbc.connect(self.url.target, autocommit=True, timeout=15)
        except pyodbc.Error as exc:
            raise DatabaseError(f"cannot connect to the application database ({self.dialect}): "
                                f"{type(exc).__name__}") from None
        return conn

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- statements --------------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        """Run the block's statements atomically (one connection per thread, so nesting is flattened)."""
        self.migrate()
        conn = self._connection()
        depth = getattr(self._local, "depth", 0)
        if depth > 0:
            self._local.depth = depth + 1
            try:
                yield self
            finally:
                self._local.depth = depth
            return
        with self._writer():
            self._begin(conn)
            self._local.depth = 1
            try:
                yield self
            except BaseException:
                self._local.depth = 0
                self._rollback(conn)
                raise
            self._local.depth = 0
            self._commit(conn)

    @contextmanager
    def _writer(self) -> Iterator[None]:
        if self._sqlite_writer is None:
            yield
            return
        with self._sqlite_writer:
            yield

    def _begin(self, conn: Any) -> None:
        if self.dialect == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn.autocommit = False

    def _commit(self, conn: Any) -> None:
        if self.dialect == "sqlite":
            conn.execute("COMMIT")
        else:
            conn.commit()
            conn.autocommit = True

    def _rollback(self, conn: Any) -> None:
        if self.dialect == "sqlite":
            conn.execute("ROLLBACK")
        else:
            conn.rollback()
            conn.autocommit = True

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the affected row count."""
        self.migrate()
        if self._sqlite_writer is not None and getattr(self._local, "depth", 0) == 0 and _writes(sql):
            with self._sqlite_writer:  # an autocommit write takes SQLite's write lock too
                return self._execute(sql, params).rowcount
        return self._execute(sql, params).rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.migrate()
        cur = self._execute(sql, params)
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """The integer in the first column of the first row (`SELECT COUNT(*) ...`); 0 for no row or NULL."""
        rows = self.query(sql, params)
        value = next(iter(rows[0].values()), None) if rows else None
        return int(value or 0)

    def limit(self, sql: str, limit: int, offset: int = 0) -> str:
        """Append paging in the dialect's syntax (the statement must have an ORDER BY)."""
        if self.dialect == "sqlserver":
            return f"{sql} OFFSET {int(offset)} ROWS FETCH NEXT {int(limit)} ROWS ONLY"
        return f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}"

    def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        conn = self._connection()
        try:
            cur = conn.cursor()
            cur.execute(sql, tuple(params))
            return cur
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from None
        except sqlite3.Error as exc:
            raise DatabaseError(f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:  # pyodbc errors: map constraint violations (SQLSTATE 23xxx)
            state = exc.args[0] if getattr(exc, "args", None) else ""
            if isinstance(state, str) and state.startswith("23"):
                raise IntegrityError(f"constraint violation ({state})") from None
            if type(exc).__module__ == "pyodbc":
                raise DatabaseError(f"{type(exc).__name__} ({state})") from None
            raise

    # -- migrations --------------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Apply pending migrations once per process (cheap check afterwards)."""
        if self._migrated:
            return
        with self._migrate_lock:
            if self._migrated:
                return
            self._migrated = True  # set first: the statements below go through execute()
            try:
                self._apply_migrations()
            except BaseException:
                self._migrated = False
                raise

    def _apply_migrations(self) -> None:
        types = _TYPES[self.dialect]
        self._create_if_missing("schema_migrations", f"CREATE TABLE schema_migrations (version {types['id']} "
                                                     f"PRIMARY KEY, applied_at {types['ts']} NOT NULL)")
        applied = {r["version"] for r in self.query("SELECT version FROM schema_migrations")}
        for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
            version = path.stem
            if version in applied:
                continue
            script = path.read_text().format(**types)
            claimed = False
            try:
                with self.transaction():
                    # Claim the version before its DDL: a second instance starting at the same moment waits on
                    # this key (or, on SQLite, on the write lock), then finds it taken and skips the file instead
                    # of failing on CREATE TABLE. A failed migration rolls the claim back with its DDL.
                    self._execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                                  (version, _now()))
                    claimed = True
                    for statement in _split_statements(script):
                        self._execute(statement, ())
            except IntegrityError:
                if claimed:
                    raise
                # another instance applied this version meanwhile

    def _create_if_missing(self, table: str, ddl: str) -> None:
        """CREATE TABLE that tolerates a concurrent creator: errors differ per dialect (PostgreSQL may even report
        a unique violation on its catalog), so success is judged by whether the table is there afterwards."""
        try:
            self._execute(ddl, ())
        except DatabaseError:
            try:
                self._execute(f"SELECT COUNT(*) FROM {table}", ())
            except DatabaseError:
                raise DatabaseError(f"cannot create {table} in the application database") from None


SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


def _sqlite_synchronous() -> str:
    """`APP_DATABASE_SQLITE_SYNCHRONOUS`: FULL (default) fsyncs the WAL at every commit, so a commit survives power
    loss; NORMAL fsyncs at checkpoints only: a commit still survives the process being killed, and the file is never
    corrupted, but an OS crash or power loss may roll back the last commits. NORMAL makes a commit far cheaper
    (~2 ms → ~0.03 ms here); it is the operator's choice, never the default."""
    value = os.environ.get("APP_DATABASE_SQLITE_SYNCHRONOUS", "FULL").strip().upper() or "FULL"
    if value not in SQLITE_SYNCHRONOUS:
        raise DatabaseError(f"APP_DATABASE_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}")
    return value


def _writes(sql: str) -> bool:
    return not sql.lstrip()[:6].upper().startswith(("SELECT", "PRAGMA", "WITH"))


def _split_statements(script: str) -> list[str]:
    """Split on semicolons at line ends; migration files keep one statement per `;`-terminated block."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat()


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def get_database(url: str | None = None) -> Database:
    """The process-wide Database for `APP_DATABASE_URL` (migrated on first use)."""
    from shared import settings

    url = url or settings.app_database_url()
    with _databases_lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = Database(url)
        return db


def _enable_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch a SQLite file to WAL. Two processes opening a new file at once can both try the switch, and SQLite
    answers the loser "database is locked" at once (the busy handler does not cover a journal-mode change), so
    the switch is retried briefly; once the file is in WAL mode the pragma is a no-op."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)
