"""The facade itself on every backend: migrations, transactions, constraint errors and paging behave the same."""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.storage.db import MIGRATIONS_DIR, Database, DatabaseError, IntegrityError

MIGRATION_FILES = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def test_migrations_apply_from_scratch_and_are_recorded(app_db: Database) -> None:
    versions = [r["version"] for r in app_db.query("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == MIGRATION_FILES
    assert all(r["applied_at"] for r in app_db.query("SELECT applied_at FROM schema_migrations"))
    for table in ("analysis_jobs", "analysis_secrets", "analysis_outcomes", "analysis_reports",
                  "analysis_queue_messages", "policy_scans", "policy_scan_lock", "policy_scan_repositories",
                  "policy_results", "policy_violations", "policy_issue_links", "policy_action_log", "policy_act_runs",
                  "github_etag_cache"):
        assert app_db.query_one(f"SELECT COUNT(*) AS n FROM {table}")["n"] == 0, table


def test_second_process_applies_nothing(app_db: Database, open_database: Callable[[], Database]) -> None:
    before = app_db.query("SELECT version, applied_at FROM schema_migrations ORDER BY version")
    app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                   ("analysis-kept", "{}", "2026-01-01T00:00:00+00:00"))
    again = open_database()
    again.migrate()  # would fail on CREATE TABLE if it re-ran a migration
    assert again.query("SELECT version, applied_at FROM schema_migrations ORDER BY version") == before
    assert again.query_one("SELECT COUNT(*) AS n FROM analysis_reports")["n"] == 1


def test_two_processes_migrating_at_once_both_succeed(app_db_url: str,
                                                      open_database: Callable[[], Database]) -> None:
    """Scale-out: two instances start on an empty database; the loser must not crash the host."""
    first, second = open_database(), open_database()
    errors: list[BaseException] = []

    def run(database: Database) -> None:
        try:
            database.migrate()
            database.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in (first, second)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    rows = open_database().query("SELECT version FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in rows] == MIGRATION_FILES
    assert not errors, errors


def test_transaction_rolls_back_every_statement_on_error(app_db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with app_db.transaction():
            app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                           ("analysis-1", "{}", "2026-01-01T00:00:00+00:00"))
            with app_db.transaction():  # nested blocks join the outer transaction
                app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                               ("analysis-2", "{}", "2026-01-01T00:00:00+00:00"))
            raise RuntimeError("boom")
    assert app_db.query_one("SELECT COUNT(*) AS n FROM analysis_reports")["n"] == 0
    with app_db.transaction():  # and the connection is usable (back in autocommit) afterwards
        app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                       ("analysis-3", "{}", "2026-01-01T00:00:00+00:00"))
    assert [r["job_id"] for r in app_db.query("SELECT job_id FROM analysis_reports")] == ["analysis-3"]


def test_committed_transaction_is_visible_to_another_connection(app_db: Database,
                                                                 open_database: Callable[[], Database]) -> None:
    other = open_database()
    with app_db.transaction():
        app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                       ("analysis-1", "{}", "2026-01-01T00:00:00+00:00"))
    assert other.query_one("SELECT job_id FROM analysis_reports")["job_id"] == "analysis-1"


def test_duplicate_key_raises_integrity_error_without_secrets(app_db: Database) -> None:
    insert = "INSERT INTO analysis_secrets (secret_ref, ciphertext, created_at) VALUES (?, ?, ?)"
    app_db.execute(insert, ("secret-1", "ciphertext-one", "2026-01-01T00:00:00+00:00"))
    with pytest.raises(IntegrityError) as caught:
        app_db.execute(insert, ("secret-1", "ciphertext-two", "2026-01-01T00:00:00+00:00"))
    assert "ciphertext" not in str(caught.value)
    with pytest.raises(IntegrityError):  # composite keys too
        for _ in range(2):
            app_db.execute("INSERT INTO policy_issue_links (repository, policy_id, updated_at) VALUES (?, ?, ?)",
                           ("svc", "readme", "2026-01-01T00:00:00+00:00"))
    with pytest.raises(IntegrityError):  # NOT NULL is a constraint as well (SQLSTATE 23502 / 23000)
        app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, NULL, ?)",
                       ("analysis-1", "2026-01-01T00:00:00+00:00"))


def test_integrity_error_inside_a_transaction_lets_it_go_on(app_db: Database) -> None:
    """Stores catch a duplicate insert inside a transaction and carry on (`start_act_run`): the failed statement
    alone is undone, as on SQL Server; PostgreSQL needs psqlODBC's default statement-level rollback for this."""
    insert = "INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)"
    app_db.execute(insert, ("analysis-1", "{}", "2026-01-01T00:00:00+00:00"))
    with app_db.transaction():
        with pytest.raises(IntegrityError):
            app_db.execute(insert, ("analysis-1", "{}", "2026-01-01T00:00:00+00:00"))
        app_db.execute(insert, ("analysis-2", "{}", "2026-01-01T00:00:00+00:00"))
    assert [r["job_id"] for r in app_db.query("SELECT job_id FROM analysis_reports ORDER BY job_id")] == \
        ["analysis-1", "analysis-2"]


@pytest.mark.parametrize("option", ["Protocol=7.4-0", "protocol = 7.4-1"])
def test_postgresql_without_statement_level_rollback_is_refused(option: str) -> None:
    """psqlODBC's rollback level 0 aborts the transaction after a duplicate insert, level 1 silently undoes the
    statements before it (both seen live); the stores need level 2, the default."""
    url = f"odbc:Driver={{PostgreSQL Unicode}};Server=h;{option};Uid=app;Pwd=hunter2;"
    with pytest.raises(DatabaseError, match="Protocol") as caught:
        Database(url)
    assert "hunter2" not in str(caught.value)
    assert Database(url.replace(option, "Protocol=7.4-2")).dialect == "postgresql"


def test_bad_sql_is_a_database_error_and_the_connection_survives(app_db: Database) -> None:
    with pytest.raises(DatabaseError) as caught:
        app_db.query("SELECT no_such_column FROM analysis_reports")
    assert not isinstance(caught.value, IntegrityError)
    assert app_db.query_one("SELECT COUNT(*) AS n FROM analysis_reports")["n"] == 0


def test_limit_pages_through_an_ordered_query(app_db: Database) -> None:
    with app_db.transaction():
        for i in range(7):
            app_db.execute("INSERT INTO analysis_reports (job_id, report_json, created_at) VALUES (?, ?, ?)",
                           (f"analysis-{i}", "{}", f"2026-01-01T00:00:0{i}+00:00"))
    ordered = "SELECT job_id FROM analysis_reports WHERE job_id <> ? ORDER BY created_at DESC"
    pages = [[r["job_id"] for r in app_db.query(app_db.limit(ordered, 3, offset), ("analysis-6",))]
             for offset in (0, 3, 6)]
    assert pages == [["analysis-5", "analysis-4", "analysis-3"], ["analysis-2", "analysis-1", "analysis-0"], []]


def test_values_round_trip_unchanged(app_db: Database) -> None:
    """Text beyond the BMP, long text, NULLs and integers come back as Python values of the same type."""
    body = "naïve ✓ 🚀 " + "x" * 100_000
    app_db.execute("INSERT INTO github_etag_cache (cache_key, url, etag, link, body, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", ("k" * 64, "/repos/a/b", 'W/"1"', None, body, "2026-01-01T00:00:00+00:00"))
    row = app_db.query_one("SELECT * FROM github_etag_cache")
    assert (row["body"], row["link"], row["etag"]) == (body, None, 'W/"1"')
    app_db.execute("INSERT INTO policy_act_runs (act_id, scan_id, attempt, status, started_at) VALUES (?, ?, ?, ?, ?)",
                   ("a", "s", 2_000_000_000, "Running", "2026-01-01T00:00:00+00:00"))
    attempt = app_db.query_one("SELECT attempt FROM policy_act_runs")["attempt"]
    assert attempt == 2_000_000_000 and isinstance(attempt, int)


def test_sqlite_commits_are_fsynced_unless_the_operator_chooses_normal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def synchronous(name: str) -> int:
        db = Database(f"sqlite:///{tmp_path / name}")
        try:
            return int(db.query("PRAGMA synchronous")[0]["synchronous"])
        finally:
            db.close()

    assert synchronous("default.db") == 2  # FULL
    monkeypatch.setenv("APP_DATABASE_SQLITE_SYNCHRONOUS", "normal")
    assert synchronous("normal.db") == 1
    monkeypatch.setenv("APP_DATABASE_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(DatabaseError, match="APP_DATABASE_SQLITE_SYNCHRONOUS"):
        synchronous("off.db")


def test_sqlite_writers_of_one_process_take_turns_without_the_busy_handler(tmp_path: Path) -> None:
    """Threads writing at once never meet SQLite's lock: with its busy handler off (timeout 0) none is refused
    "database is locked", because transactions and autocommit writes queue on the process's writer lock."""
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    db.execute("CREATE TABLE IF NOT EXISTS turns (n INTEGER PRIMARY KEY, thread TEXT)")
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            db.query("PRAGMA busy_timeout=0")  # this thread's connection: a contended write would fail at once
            if i % 2:
                with db.transaction():
                    db.execute("INSERT INTO turns (n, thread) VALUES (?, ?)", (i, threading.current_thread().name))
            else:
                db.execute("INSERT INTO turns (n, thread) VALUES (?, ?)", (i, threading.current_thread().name))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.count("SELECT COUNT(*) FROM turns") == 40
    db.close()
