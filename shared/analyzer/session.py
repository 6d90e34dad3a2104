"""A read-only, time-boxed session on the analysed database (which may be production).

Every engine gets the same guarantees before any check runs: read-only transactions, a statement timeout, a short
lock timeout (about 1 s) so a check never queues behind application locks, and on SQL Server `READ UNCOMMITTED`
catalog reads. Only session-level settings are touched; a server setting is never changed.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from shared.analyzer import connstr

# Statements run right after connecting, per engine. `{timeout_ms}` / `{timeout_s}` / `{lock_ms}` are filled in.
_SESSION_SETUP: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET statement_timeout = {timeout_ms}",
        "SET lock_timeout = {lock_ms}",
        "SET idle_in_transaction_session_timeout = 60000",
        "SET application_name = 'sql-analyzer'",
    ),
    "mysql": (
        "SET SESSION TRANSACTION READ ONLY",
        "SET SESSION lock_wait_timeout = {lock_s}",
        "SET SESSION innodb_lock_wait_timeout = {lock_s}",
    ),
    "sqlite": (
        "PRAGMA query_only = ON",
        "PRAGMA busy_timeout = {lock_ms}",
    ),
    "sqlserver": (
        "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED",
        "SET LOCK_TIMEOUT {lock_ms}",
        "SET DEADLOCK_PRIORITY LOW",
    ),
}

# MySQL and MariaDB name their statement timeout differently; set after the flavour is known.
_MYSQL_TIMEOUT = {"mariadb": "SET SESSION max_statement_time = {timeout_s}",
                  "mysql": "SET SESSION max_execution_time = {timeout_ms}"}

_VERSION_SQL = {
    "postgresql": "SELECT current_setting('server_version') AS version, current_database() AS db",
    "mysql": "SELECT VERSION() AS version, DATABASE() AS db",
    "sqlite": "SELECT sqlite_version() AS version, 'main' AS db",
    "sqlserver": "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version, DB_NAME() AS db, "
                 "CAST(SERVERPROPERTY('EngineEdition') AS int) AS edition",
}

# Since when usage statistics accumulate (reset on restart or explicitly): usage-based verdicts quote it.
_STATS_SINCE_SQL = {
    "postgresql": "SELECT COALESCE((SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()), "
                  "pg_postmaster_start_time()) AS since",
    # MySQL 8 removed information_schema.GLOBAL_STATUS; SHOW works on MySQL and MariaDB alike (see stats_since).
    "mysql": "SHOW GLOBAL STATUS LIKE 'Uptime'",
    "sqlserver": "SELECT sqlserver_start_time AS since FROM sys.dm_os_sys_info",
}

# Objects that make a catalog "huge": expensive checks are skipped above a threshold, with the reason recorded.
_OBJECT_COUNT_SQL = {
    "postgresql": "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE c.relkind IN ('r','i','p','m','v') AND n.nspname NOT IN ('pg_catalog','information_schema') "
                  "AND n.nspname NOT LIKE 'pg_toast%'",
    "mysql": "SELECT (SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()) + "
             "(SELECT count(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()) AS n",
    "sqlite": "SELECT count(*) AS n FROM sqlite_master",
    "sqlserver": "SELECT count(*) AS n FROM sys.objects WHERE is_ms_shipped = 0",
}


class TargetError(RuntimeError):
    """Connecting to or identifying the target failed. `permanent` ones (bad credentials, unknown database) must
    not be retried; the message names the target but never carries a credential."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class ServerInfo:
    engine: str
    flavor: str  # postgresql | mysql | mariadb | sqlite | sqlserver | azure-sql
    version: str
    database: str

    def to_json(self) -> dict[str, str]:
        return {"engine": self.engine, "flavor": self.flavor, "version": self.version, "database": self.database}


# SQLSTATEs / native messages meaning "retrying will not help": bad password, unknown database, unknown host name.
_PERMANENT = re.compile(r"28000|28P01|3D000|42000.*1049|1045|1044|password authentication failed|Access denied|"
                        r"Unknown database|does not exist|Login failed|unable to open database", re.I)


class _ConnectDeadline(Exception):
    pass


def _connect_with_deadline(conn_str: str, timeout_s: int) -> Any:
    """`pyodbc.connect` that gives up after the login timeout even when the driver does not.

    MariaDB's driver ignores the login timeout when a server accepts the TCP connection and never answers, which
    would pin an activity forever. The connect runs in a daemon thread; past the deadline the caller moves on, and a
    late connection is closed by that thread when it finally arrives.
    """
    import pyodbc

    outcome: dict[str, Any] = {}
    abandoned = threading.Event()

    def attempt() -> None:
        try:
            conn = pyodbc.connect(conn_str, autocommit=True, timeout=timeout_s)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["error"] = exc
        else:
            if abandoned.is_set():
                conn.close()
            else:
                outcome["conn"] = conn
        finally:
            done.set()

    done = threading.Event()
    threading.Thread(target=attempt, name="analysis-connect", daemon=True).start()
    if not done.wait(timeout_s + 2):
        abandoned.set()
        if done.is_set() and "conn" in outcome:  # it arrived in the instant between the wait and the flag
            return outcome["conn"]
        raise _ConnectDeadline()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["conn"]


class AnalysisSession:
    """One connection to the target with the safety settings applied; use as a context manager."""

    def __init__(self, conn_str: str, *, statement_timeout_s: int = 30, lock_timeout_ms: int = 1000,
                 connect_timeout_s: int = 10) -> None:
        # Parsed and rebuilt here too: whatever the caller passes, the driver only ever sees the rebuilt string.
        self._connection = connstr.analyse(conn_str)
        self.info = self._connection.info
        self.engine = self.info.engine
        self.statement_timeout_s = statement_timeout_s
        self.lock_timeout_ms = lock_timeout_ms
        self.connect_timeout_s = connect_timeout_s
        self.conn: Any = None
        self.server: ServerInfo | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def __enter__(self) -> "AnalysisSession":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        import pyodbc

        conn_str = self._connection.odbc  # ApplicationIntent=ReadOnly is part of the SQL Server rebuild
        try:
            self.conn = _connect_with_deadline(conn_str, self.connect_timeout_s)
        except _ConnectDeadline:
            raise TargetError(f"cannot connect to {self.info.target()} (no answer within "
                              f"{self.connect_timeout_s} s)", permanent=False) from None
        except pyodbc.Error as exc:
            text = " ".join(str(a) for a in exc.args)
            permanent = bool(_PERMANENT.search(text)) and "could not connect" not in text.lower() \
                and "can't connect" not in text.lower()
            if permanent:
                raise TargetError(f"cannot log in to {self.info.target()}: the server refused the credentials or "
                                  f"the database", permanent=True) from None
            raise TargetError(f"cannot connect to {self.info.target()}", permanent=False) from None
        try:
            self.conn.timeout = self.statement_timeout_s  # ODBC query timeout: a second net under the server's own
        except pyodbc.Error:
            pass  # psqlODBC refuses the attribute; the session's statement_timeout covers it
        self._apply_session_settings()
        self.server = self._identify()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def _apply_session_settings(self) -> None:
        values = {"timeout_ms": self.statement_timeout_s * 1000, "timeout_s": self.statement_timeout_s,
                  "lock_ms": self.lock_timeout_ms, "lock_s": max(1, round(self.lock_timeout_ms / 1000))}
        for statement in _SESSION_SETUP[self.engine]:
            self.conn.execute(statement.format(**values))
        if self.engine == "mysql":
            version = str(self.conn.execute("SELECT VERSION()").fetchone()[0])
            flavor = "mariadb" if "mariadb" in version.lower() else "mysql"
            try:
                self.conn.execute(_MYSQL_TIMEOUT[flavor].format(**values))
            except Exception:  # noqa: BLE001 - older servers lack the variable: the ODBC query timeout still applies
                pass

    def _identify(self) -> ServerInfo:
        row = self.query(_VERSION_SQL[self.engine])[0]
        version = str(row["version"])
        flavor = self.engine
        if self.engine == "mysql" and "mariadb" in version.lower():
            flavor = "mariadb"
        if self.engine == "sqlserver" and int(row.get("edition") or 0) in (5, 8):
            flavor = "azure-sql" if int(row["edition"]) == 5 else "azure-sql-managed-instance"
        return ServerInfo(self.engine, flavor, version, str(row.get("db") or self.info.database or ""))

    # -- queries -------------------------------------------------------------------------------------------------
    def iter_rows(self, sql: str, params: Sequence[Any] = (), page: int = 500) -> Iterator[dict[str, Any]]:
        """The rows of `sql`, fetched `page` at a time: a check that returns 100,000 rows (every column of a large
        catalog) is mapped to findings as it is read, never held as rows and findings at once."""
        cur = self.conn.cursor()
        try:
            cur.execute(sql, tuple(params))
            while cur.description is None and cur.nextset():  # as in `query`: the first result set with columns
                pass
            if cur.description is None:
                return
            names = [d[0].lower() for d in cur.description]
            while batch := cur.fetchmany(page):
                for row in batch:
                    yield dict(zip(names, row, strict=True))
        finally:
            cur.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.conn.cursor()
        try:
            cur.execute(sql, tuple(params))
            rows: list[dict[str, Any]] = []
            # Multi-statement batches (SQL Server) may return several result sets; take the first that has columns.
            while cur.description is None and cur.nextset():
                pass
            if cur.description is None:
                return rows
            names = [d[0].lower() for d in cur.description]
            for row in cur.fetchall():
                rows.append(dict(zip(names, row, strict=True)))
            return rows
        finally:
            cur.close()

    def object_count(self) -> int:
        return int(self.query(_OBJECT_COUNT_SQL[self.engine])[0]["n"])

    def stats_since(self) -> str | None:
        sql = _STATS_SINCE_SQL.get(self.engine)
        if not sql:
            return None
        try:
            rows = self.query(sql)
        except Exception:  # noqa: BLE001 - no statistics reset time on this server: the report says unknown
            return None
        if self.engine == "mysql":
            if not rows:
                return None
            uptime = int(rows[0].get("value") or 0)
            now = self.query("SELECT NOW() AS now")[0]["now"]
            import datetime as _dt

            return (now - _dt.timedelta(seconds=uptime)).isoformat()
        value: Any = rows[0]["since"] if rows else None
        return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value else None)
