"""Killing a target's analysis sessions mid-job, deterministically (used by the analyzer's unit and e2e tests).

A table of 12,000 rows without an index is locked (ACCESS EXCLUSIVE) by a holder connection, so
`pg-table-without-index` (which sizes it with `pg_relation_size`) waits on that lock; `Killer` sees the analysis
backend waiting (`pg_stat_activity.wait_event_type = 'Lock'`) and terminates it with `pg_terminate_backend` from a
second connection, `kills` times, then releases the lock. State, not timing, decides when the kill happens.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

CHECKS = ["pg-table-without-index", "pg-table-without-primary-key", "pg-sequence-near-overflow",
          "pg-invalid-index", "pg-duplicate-index"]


class Killer(threading.Thread):
    """Holds the lock, terminates each analysis backend found waiting on it (`kills` times), then releases it."""

    def __init__(self, conn_str: str, database: str, kills: int, refuse_new_sessions: bool = False) -> None:
        super().__init__(daemon=True)
        self.conn_str, self.database, self.kills = conn_str, database, kills
        self.refuse_new_sessions = refuse_new_sessions  # before the last kill: the database takes no new session
        self.killed: list[int] = []
        self.ready, self.stop = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        import pyodbc

        try:
            holder = pyodbc.connect(self.conn_str, autocommit=False)
            holder.execute("LOCK TABLE big_unindexed IN ACCESS EXCLUSIVE MODE")
            watcher = pyodbc.connect(self.conn_str, autocommit=True)
            self.ready.set()
            while not self.stop.is_set() and len(self.killed) < self.kills:
                rows = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = ? AND application_name = 'sql-analyzer' "
                    "AND wait_event_type = 'Lock'", self.database).fetchall()
                for (pid,) in rows:
                    if self.refuse_new_sessions and len(self.killed) == self.kills - 1:
                        admin = self.conn_str.replace(f"Database={self.database};", "Database=postgres;")
                        with pyodbc.connect(admin, autocommit=True) as other:  # not allowed on the open database
                            other.execute(f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS false')
                    if pid not in self.killed and watcher.execute("SELECT pg_terminate_backend(?)",
                                                                  pid).fetchone()[0]:
                        self.killed.append(pid)
                self.stop.wait(0.02)  # poll the state again
            holder.rollback()  # the lock goes: a session opened from now on runs every check
            holder.close()
            watcher.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            self.ready.set()


def locked_target(postgres_db: Callable[..., str]) -> tuple[str, str]:
    """(connection string, database name) of a new PostgreSQL database holding the table `Killer` locks."""
    import pyodbc

    conn_str = postgres_db("lost")
    with pyodbc.connect(conn_str, autocommit=True) as conn:
        conn.execute("CREATE TABLE big_unindexed (n integer)")
        conn.execute("INSERT INTO big_unindexed SELECT generate_series(1, 12000)")
        conn.execute("ANALYZE big_unindexed")
        database = conn.execute("SELECT current_database()").fetchone()[0]
    return conn_str, database
