"""The SQL Analyzer's store (`shared/analyzer/jobs.py`) and its secrets (`shared/secrets.py`) on every backend."""
from __future__ import annotations

import functools
import threading
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from shared import secrets
from shared.analyzer import jobs
from shared.analyzer.model import CheckOutcome, Finding
from shared.analyzer.models import AnalysisOptions
from shared.storage.db import Database
from tests.storage.concurrency import race


def new_job(db: Database, *, engine: str = "postgresql", secret_ref: str | None = "secret-x") -> str:
    job_id = jobs.new_job_id()
    jobs.create_job(db, job_id, analysis_type="quick", engine=engine, target="db.example.net:5432/shop",
                    options=AnalysisOptions(checks=["pg-a"], schemas=["public"]), source="http",
                    secret_ref=secret_ref, connection_name=None)
    return job_id


def test_created_job_reads_back_with_its_defaults(app_db: Database) -> None:
    job_id = new_job(app_db)
    row = jobs.get_job(app_db, job_id)
    assert (row.status, row.attempt, row.current_step, row.checks_total) == ("Pending", 1, "queued", 0)
    assert (row.engine, row.secret_ref, row.connection_name) == ("postgresql", "secret-x", None)
    assert AnalysisOptions.from_json(__import__("json").loads(row.options_json)).schemas == ["public"]
    assert jobs.get_job(app_db, "analysis-" + "0" * 32) is None


def test_list_jobs_pages_newest_first_and_filters_by_status(app_db: Database) -> None:
    ids = [new_job(app_db) for _ in range(5)]
    jobs.finish(app_db, ids[1], "Failed", "unreachable")
    jobs.finish(app_db, ids[3], "Failed", "unreachable")
    seen: list[str] = []
    for offset in (0, 2, 4):
        rows, total = jobs.list_jobs(app_db, None, offset, 2)
        assert total == 5
        seen += [r.job_id for r in rows]
    created = sorted(((jobs.get_job(app_db, i).created_at, i) for i in ids), reverse=True)
    assert seen == [i for _, i in created]
    failed, total = jobs.list_jobs(app_db, "Failed", 0, 10)
    assert total == 2 and {r.job_id for r in failed} == {ids[1], ids[3]}
    assert jobs.list_jobs(app_db, "Completed", 0, 10) == ([], 0)
    assert jobs.count_by_status(app_db) == {"Pending": 3, "Failed": 2}
    assert [r.job_id for r in jobs.active_jobs(app_db)] == [i for i in ids if i not in (ids[1], ids[3])]


def test_state_changes_only_while_active_and_a_final_state_is_final(app_db: Database) -> None:
    job_id = new_job(app_db)
    assert jobs.mark_started(app_db, job_id, "connecting")
    jobs.set_step(app_db, job_id, "x" * 500)  # longer than the column: cut, not an error
    assert jobs.get_job(app_db, job_id).current_step == "x" * 400
    assert jobs.mark_running(app_db, job_id, checks_total=4, server={"version": "16.2"})
    started = jobs.get_job(app_db, job_id).started_at
    assert jobs.mark_started(app_db, job_id, "again")
    assert jobs.get_job(app_db, job_id).started_at == started  # COALESCE keeps the first start
    assert jobs.finish(app_db, job_id, "Completed")
    assert not jobs.finish(app_db, job_id, "Failed", "late")
    assert not jobs.mark_running(app_db, job_id, checks_total=9, server={})
    jobs.set_step(app_db, job_id, "late step")
    row = jobs.get_job(app_db, job_id)
    assert (row.status, row.error, row.checks_total, row.current_step) == ("Completed", None, 4, "completed")
    assert row.completed_at >= row.started_at


def test_outcomes_upsert_per_check_and_count_completed(app_db: Database) -> None:
    job_id = new_job(app_db)
    jobs.mark_running(app_db, job_id, checks_total=3, server={})
    finding = Finding("pg-a", "indexes", "high", "public.orders", "naïve ✓", "add one", {"table_name": "orders"})
    assert jobs.record_outcomes(app_db, job_id, [CheckOutcome("pg-a", [finding], duration_ms=12.7),
                                                 CheckOutcome("pg-b", skipped="needs pg_stat_statements")]) == 2
    assert jobs.outcomes(app_db, job_id)[0].duration_ms == 12  # stored as whole milliseconds
    assert jobs.record_outcomes(app_db, job_id, [CheckOutcome("pg-a", [finding, finding], duration_ms=3)]) == 2
    stored = jobs.outcomes(app_db, job_id)
    assert [o.check_id for o in stored] == ["pg-a", "pg-b"]
    assert stored[0].findings == [finding, finding] and stored[0].duration_ms == 3
    assert stored[1].skipped == "needs pg_stat_statements" and stored[1].findings == []
    assert jobs.get_job(app_db, job_id).checks_completed == 2


def test_restart_resets_a_failed_job_and_drops_its_results(app_db: Database) -> None:
    job_id, other = new_job(app_db), new_job(app_db)
    for j in (job_id, other):
        jobs.record_outcomes(app_db, j, [CheckOutcome("pg-a")])
        jobs.save_report(app_db, j, {"score": 50})
    assert not jobs.reset_for_restart(app_db, job_id)  # still active: nothing to restart
    jobs.finish(app_db, job_id, "Failed", "boom")
    assert jobs.reset_for_restart(app_db, job_id)
    row = jobs.get_job(app_db, job_id)
    assert (row.status, row.attempt, row.error, row.completed_at) == ("Pending", 2, None, None)
    assert jobs.outcomes(app_db, job_id) == [] and jobs.get_report(app_db, job_id) is None
    assert len(jobs.outcomes(app_db, other)) == 1 and jobs.get_report(app_db, other) == {"score": 50}


def test_report_is_replaced_not_duplicated(app_db: Database) -> None:
    job_id = new_job(app_db)
    assert jobs.get_report(app_db, job_id) is None
    jobs.save_report(app_db, job_id, {"score": 90, "findings": ["é" * 10]})
    jobs.save_report(app_db, job_id, {"score": 80})
    assert jobs.get_report(app_db, job_id) == {"score": 80}
    assert app_db.query_one("SELECT COUNT(*) AS n FROM analysis_reports")["n"] == 1


def test_queue_message_starts_one_job_even_when_delivered_twice_at_once(app_db: Database) -> None:
    first, second = race(app_db, lambda: jobs.claim_queue_message(app_db, "msg-1", "analysis-a"),
                         lambda: jobs.claim_queue_message(app_db, "msg-1", "analysis-b"))
    assert (first, second) in ((None, "analysis-a"), ("analysis-b", None))  # the loser learns the winner's job
    winner = "analysis-a" if first is None else "analysis-b"
    assert jobs.claim_queue_message(app_db, "msg-1", "analysis-c") == winner
    jobs.release_queue_message(app_db, "msg-1", "analysis-c")  # not the owner: no effect
    assert jobs.claim_queue_message(app_db, "msg-1", "analysis-c") == winner
    jobs.release_queue_message(app_db, "msg-1", winner)
    assert jobs.claim_queue_message(app_db, "msg-1", "analysis-c") is None


def test_cancel_and_completion_racing_exactly_one_wins(app_db: Database) -> None:
    job_id = new_job(app_db)
    results = race(app_db, lambda: jobs.finish(app_db, job_id, "Canceled", "canceled by request"),
                   lambda: jobs.finish(app_db, job_id, "Completed"))
    assert sorted(results) == [False, True]
    assert jobs.get_job(app_db, job_id).status == ("Canceled" if results[0] else "Completed")


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


def test_secret_is_stored_encrypted_and_read_back(app_db: Database, key: str) -> None:
    value = "Driver={PostgreSQL Unicode};Server=db;Uid=app;Pwd=s3cr3t-ü;"
    ref = secrets.store_secret(app_db, value, key=key)
    stored = app_db.query_one("SELECT * FROM analysis_secrets WHERE secret_ref = ?", (ref,))
    assert "s3cr3t" not in str(stored) and stored["expires_at"] is None
    assert secrets.load_secret(app_db, ref, key=key).reveal() == value
    with pytest.raises(secrets.SecretKeyError):
        secrets.load_secret(app_db, ref, key=Fernet.generate_key().decode())
    secrets.delete_secret(app_db, ref)
    with pytest.raises(secrets.SecretNotFound):
        secrets.load_secret(app_db, ref, key=key)


def test_secret_expiry_keep_and_purge(app_db: Database, key: str) -> None:
    expired, kept, plain = (secrets.store_secret(app_db, f"Pwd={i};", key=key) for i in range(3))
    secrets.expire_secret(app_db, expired, timedelta(seconds=-1))
    secrets.expire_secret(app_db, kept, timedelta(seconds=-1))
    secrets.keep_secret(app_db, kept)  # restarted before the purge
    with pytest.raises(secrets.SecretNotFound):
        secrets.load_secret(app_db, expired, key=key)
    assert secrets.purge_expired(app_db) == 1
    left = {r["secret_ref"] for r in app_db.query("SELECT secret_ref FROM analysis_secrets")}
    assert left == {kept, plain}
    secrets.expire_secret(app_db, plain, timedelta(hours=1))
    assert secrets.purge_expired(app_db) == 0
    assert secrets.load_secret(app_db, plain, key=key).reveal() == "Pwd=2;"


def test_concurrent_batches_lose_no_progress_count(app_db: Database) -> None:
    """Issue 7 #12: the completed count was read then written under READ COMMITTED, so two batches finishing
    together on PostgreSQL each wrote their own stale total. Eight writers, twelve batches each, all at once."""
    job_id = new_job(app_db)
    writers, batches = 8, 12

    def writer(w: int) -> int:
        for b in range(batches):
            jobs.record_outcomes(app_db, job_id, [CheckOutcome(f"chk-{w}-{b}-{i}") for i in range(2)])
        return w

    results = race(app_db, *[functools.partial(writer, w) for w in range(writers)])
    assert results == list(range(writers)), results  # no writer failed
    assert len(jobs.outcomes(app_db, job_id)) == writers * batches * 2
    assert jobs.get_job(app_db, job_id).checks_completed == writers * batches * 2
    # a retried batch re-records the same checks: replaced, not counted twice
    jobs.record_outcomes(app_db, job_id, [CheckOutcome("chk-0-0-0"), CheckOutcome("chk-0-0-1")])
    assert jobs.get_job(app_db, job_id).checks_completed == writers * batches * 2


def test_a_batch_committing_while_another_counts_is_not_lost_on_postgresql(postgres_db) -> None:  # noqa: ANN001
    """The interleaving of the lost update, forced rather than hoped for: batch A is inside its transaction (rows
    written, not committed) when batch B records its outcomes; B's counter update waits for A's row lock (seen in
    pg_stat_activity), then A commits. A read-then-write count in B would store B's total without A's rows."""
    import pyodbc

    url = "odbc:" + postgres_db("app")
    database, observer = Database(url), Database(url)
    try:
        database.migrate()
        job_id = new_job(database)
        a_written, release_a = threading.Event(), threading.Event()

        def batch_a() -> None:
            with database.transaction():
                jobs.record_outcomes(database, job_id, [CheckOutcome("a-1"), CheckOutcome("a-2")])
                a_written.set()
                release_a.wait(timeout=60)
            database.close()

        def batch_b() -> None:
            jobs.record_outcomes(database, job_id, [CheckOutcome("b-1")])
            database.close()

        first = threading.Thread(target=batch_a)
        first.start()
        assert a_written.wait(timeout=60)
        second = threading.Thread(target=batch_b)
        second.start()
        conn_str = url.removeprefix("odbc:")
        with pyodbc.connect(conn_str, autocommit=True) as probe:
            while not probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                                    "wait_event_type = 'Lock'").fetchone()[0]:
                threading.Event().wait(0.05)  # B has not reached the row lock yet: poll the state, no time bound
        release_a.set()
        first.join()
        second.join()
        row = jobs.get_job(observer, job_id)
        assert row is not None and row.checks_completed == 3
    finally:
        database.close()
        observer.close()
