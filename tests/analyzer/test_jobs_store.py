"""The analyzer's SQL (`shared/analyzer/jobs.py`) on SQLite and, live, on PostgreSQL through pyodbc: the same
statements must behave the same on both (portability of the application database)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shared.analyzer import jobs
from shared.analyzer.model import CheckOutcome, Finding
from shared.analyzer.models import AnalysisOptions
from shared.storage.db import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return Database(f"sqlite:///{tmp_path}/app.db")
    conn = request.getfixturevalue("postgres_db")("app")
    return Database("odbc:" + conn)


def new_job(db: Database) -> str:
    job_id = jobs.new_job_id()
    jobs.create_job(db, job_id, analysis_type="quick", engine="sqlite", target="samples/shop.db",
                    options=AnalysisOptions(checks=["a"]), source="http", secret_ref="secret-x", connection_name=None)
    return job_id


def test_lifecycle_and_idempotent_outcomes(db: Database) -> None:
    job_id = new_job(db)
    assert jobs.get_job(db, job_id).status == "Pending"
    assert jobs.mark_started(db, job_id, "connecting")
    assert jobs.mark_running(db, job_id, checks_total=3, server={"engine": "sqlite"})
    finding = Finding("a", "schema", "high", "t", "m", "r", {"table_name": "t"})
    assert jobs.record_outcomes(db, job_id, [CheckOutcome("a", [finding]), CheckOutcome("b", skipped="why")]) == 2
    assert jobs.record_outcomes(db, job_id, [CheckOutcome("a", [finding, finding])]) == 2  # a retried batch
    stored = {o.check_id: o for o in jobs.outcomes(db, job_id)}
    assert len(stored["a"].findings) == 2 and stored["b"].skipped == "why"
    status = jobs.status_json(jobs.get_job(db, job_id))
    assert (status["status"], status["checksCompleted"], status["checksTotal"]) == ("Running", 2, 3)
    assert jobs.finish(db, job_id, "Completed")
    assert not jobs.finish(db, job_id, "Failed", "late")  # a final state is final
    assert jobs.get_job(db, job_id).status == "Completed"
    jobs.save_report(db, job_id, {"score": 90})
    jobs.save_report(db, job_id, {"score": 80})
    assert jobs.get_report(db, job_id) == {"score": 80}


def test_cancel_wins_over_late_activities_and_restart_resets(db: Database) -> None:
    job_id = new_job(db)
    assert jobs.finish(db, job_id, "Canceled", "canceled by request")
    assert not jobs.mark_running(db, job_id, checks_total=5, server={})
    jobs.record_outcomes(db, job_id, [CheckOutcome("a")])
    assert jobs.get_job(db, job_id).status == "Canceled"
    assert jobs.reset_for_restart(db, job_id)
    row = jobs.get_job(db, job_id)
    assert (row.status, row.attempt, row.error) == ("Pending", 2, None)
    assert jobs.outcomes(db, job_id) == []
    assert not jobs.reset_for_restart(db, job_id)  # only Failed / Canceled jobs restart


def test_a_queue_message_maps_to_one_job(db: Database) -> None:
    first, second = jobs.new_job_id(), jobs.new_job_id()
    assert jobs.claim_queue_message(db, "msg-1", first) is None
    assert jobs.claim_queue_message(db, "msg-1", second) == first
    jobs.release_queue_message(db, "msg-1", first)
    assert jobs.claim_queue_message(db, "msg-1", second) is None


def test_list_filters_and_pages_newest_first(db: Database) -> None:
    ids = [new_job(db) for _ in range(3)]
    jobs.finish(db, ids[0], "Failed", "x")
    rows, total = jobs.list_jobs(db, None, 0, 2)
    assert total == 3 and [r.job_id for r in rows] == [ids[2], ids[1]]
    failed, n = jobs.list_jobs(db, "Failed", 0, 50)
    assert n == 1 and failed[0].job_id == ids[0]
    assert jobs.count_by_status(db) == {"Pending": 2, "Failed": 1}


def test_last_durations_come_from_the_newest_completed_job_of_the_same_target(db: Database) -> None:
    def completed(durations: dict[str, float], target: str = "samples/shop.db") -> str:
        job_id = new_job(db) if target == "samples/shop.db" else jobs.new_job_id()
        if target != "samples/shop.db":
            jobs.create_job(db, job_id, analysis_type="quick", engine="sqlite", target=target,
                            options=AnalysisOptions(), source="http", secret_ref=None, connection_name=None)
        jobs.record_outcomes(db, job_id, [CheckOutcome(c, duration_ms=ms) for c, ms in durations.items()] +
                             [CheckOutcome("skipped-one", skipped="why", duration_ms=1)])
        jobs.finish(db, job_id, "Completed")
        return job_id

    current = new_job(db)
    assert jobs.last_durations(db, engine="sqlite", target="samples/shop.db", before_job=current) == {}
    completed({"a": 500, "b": 10})
    newest = completed({"a": 300.7, "b": 20})
    completed({"a": 9999}, target="samples/other.db")
    failed = new_job(db)
    jobs.record_outcomes(db, failed, [CheckOutcome("a", duration_ms=1)])
    jobs.finish(db, failed, "Failed", "boom")
    assert jobs.last_durations(db, engine="sqlite", target="samples/shop.db", before_job=current) == \
        {"a": 300, "b": 20}
    assert jobs.last_durations(db, engine="mysql", target="samples/shop.db", before_job=current) == {}
    assert jobs.last_durations(db, engine="sqlite", target="samples/shop.db", before_job=newest) == \
        {"a": 500, "b": 10}


def test_streamed_report_equals_the_report_built_in_memory(db: Database) -> None:
    """`write_report` (finalize's path: stored rows read a page of checks at a time, findings never all in memory)
    must produce exactly the document `build_report` produces from the same outcomes: same fields, order, score,
    summary, skipped list and usage statistics date. More checks than one page, ids whose SQL collation order could
    differ from Python's, severities mixed within one check."""
    import json
    from dataclasses import asdict

    from shared.analyzer.report import build_report, partial_reason_for, write_report

    job_id = new_job(db)
    jobs.mark_running(db, job_id, checks_total=40, server={"engine": "sqlite"})
    severities = ["critical", "high", "medium", "low", "info"]
    outcomes = [CheckOutcome(check_id, [Finding(check_id, "schema", severities[(i * 3 + k) % 5], f"obj{(7 * k) % 5}",
                                                f"m{k}", "r", {"n": k}) for k in range(i % 6)])
                for i, check_id in enumerate([f"Check_{i:02d}" for i in range(20)] + [f"check-{i:02d}" for i in range(18)]
                                             + ["mssql-unused-index"])]
    outcomes.append(CheckOutcome("skipped-one", skipped="permission denied"))
    outcomes.append(CheckOutcome("lost-one", skipped="the connection to the target was lost", connection_lost=True))
    for outcome in outcomes:
        jobs.record_outcomes(db, job_id, [outcome])
    job = jobs.get_job(db, job_id)
    server = {"engine": "sqlite", "version": "3", "statsSince": "2026-11-01T00:00:00+00:00"}
    heads = jobs.outcome_heads(db, job_id)
    reason = partial_reason_for(heads, 1)
    written = write_report(asdict(job), server, heads, lambda ids: jobs.iter_findings_json(db, job_id, ids, page=4),
                           "2026-11-22T06:01:00+00:00", partial_reason=reason)
    expected = build_report(asdict(job), server, jobs.outcomes(db, job_id), "2026-11-22T06:01:00+00:00",
                            partial_reason=reason)
    assert list(json.loads(written.text)) == list(expected)  # field order too
    assert json.loads(written.text) == expected
    assert written.findings == len(expected["findings"]) > 40 and written.score == expected["score"]
    assert expected["partial"] and any("statisticsSince" in f["details"] for f in expected["findings"])
    jobs.save_report_text(db, job_id, written.text, score=written.score, findings=written.findings)
    assert jobs.get_report(db, job_id) == expected
    row = db.query_one("SELECT score, findings_total FROM analysis_jobs WHERE job_id = ?", (job_id,))
    assert (row["score"], row["findings_total"]) == (expected["score"], len(expected["findings"]))
