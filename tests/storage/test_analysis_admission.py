"""Admission of analyses on SQLite and PostgreSQL: per-server and overall limits, priority order, the line a
waiting job sees, canceled and ended jobs leaving it, and two admissions racing for the last slot."""
from __future__ import annotations

import time
from collections.abc import Callable

from shared.analyzer import admission, jobs
from shared.analyzer.models import AnalysisOptions
from shared.storage.db import Database
from tests.storage.concurrency import race

PG_A = "127.0.0.1:5432/a"
PG_B = "127.0.0.1:5432/b"  # same server as PG_A, another database
MY = "127.0.0.1:3306/shop"


def job(db: Database, name: str, target: str, engine: str = "postgresql") -> str:
    job_id = "analysis-" + name * 32
    jobs.create_job(db, job_id, analysis_type="quick", engine=engine, target=target, options=AnalysisOptions(),
                    source="http", secret_ref=None, connection_name="x")
    time.sleep(0.002)
    return job_id


def admit(db: Database, job_id: str, target: str, priority: str = "normal", per_server: int = 1,
          overall: int = 8, engine: str = "postgresql") -> admission.Admission:
    return admission.try_admit(db, job_id, admission.server_key(engine, target), priority, per_server, overall)


def test_one_per_server_high_priority_first_and_the_line_it_shows(app_db: Database) -> None:
    first, normal, high = job(app_db, "a", PG_A), job(app_db, "b", PG_B), job(app_db, "c", PG_A)
    assert admit(app_db, first, PG_A).granted
    waiting = admit(app_db, normal, PG_B)
    assert not waiting.granted and waiting.step == "waiting for postgresql:127.0.0.1:5432 (1 ahead)"
    assert not admit(app_db, high, PG_A, "high").granted
    assert admit(app_db, normal, PG_B).ahead == 2  # the running job and the high one, which overtook it
    assert admit(app_db, first, PG_A).granted  # asking again keeps the slot
    jobs.finish(app_db, first, "Completed")
    assert not admit(app_db, normal, PG_B).granted  # free slot, but the high one is at the head
    assert admit(app_db, high, PG_A, "high").granted
    jobs.finish(app_db, high, "Failed", "x")
    assert admit(app_db, normal, PG_B).granted


def test_other_servers_run_alongside_up_to_the_overall_limit(app_db: Database) -> None:
    pg, my, lite = job(app_db, "a", PG_A), job(app_db, "b", MY, "mysql"), job(app_db, "c", "samples/shop.db", "sqlite")
    assert admit(app_db, pg, PG_A, overall=2).granted
    assert admit(app_db, my, MY, overall=2, engine="mysql").granted
    third = admit(app_db, lite, "samples/shop.db", overall=2, engine="sqlite")
    assert not third.granted and third.server == "sqlite:samples/shop.db"
    assert admission.release(app_db, my, 1, 2) == [lite]  # handed over in the same transaction
    assert admit(app_db, lite, "samples/shop.db", overall=2, engine="sqlite").granted


def test_a_canceled_waiting_job_leaves_the_line(app_db: Database) -> None:
    running, canceled, last = job(app_db, "a", PG_A), job(app_db, "b", PG_A), job(app_db, "c", PG_A)
    assert admit(app_db, running, PG_A).granted
    assert admit(app_db, canceled, PG_A).ahead == 1
    assert admit(app_db, last, PG_A).ahead == 2
    jobs.finish(app_db, canceled, "Canceled", "canceled by request")
    assert admit(app_db, last, PG_A).ahead == 1
    gone = admit(app_db, canceled, PG_A)
    assert gone.gone and not gone.granted
    assert [r["job_id"] for r in admission.line(app_db)] == [running, last]


def test_two_jobs_racing_for_one_slot_get_it_once(app_db: Database, open_database: Callable[[], Database]) -> None:
    for attempt in range(5):
        a, b = job(app_db, "d", PG_A + str(attempt)), job(app_db, "e", PG_A + str(attempt))
        results = race(app_db, *[lambda j=j: admit(open_database(), j, PG_A) for j in (a, b)])
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert sum(r.granted for r in results) == 1, results
        jobs.finish(app_db, a, "Completed")
        jobs.finish(app_db, b, "Completed")
        app_db.execute("DELETE FROM analysis_jobs WHERE job_id IN (?, ?)", (a, b))


def test_a_free_overall_slot_goes_to_the_highest_priority_waiting_job_of_any_server(app_db: Database) -> None:
    """At most one analysis overall: the slot goes to the high-priority job queued last, on a third server, then
    to the oldest normal one, whichever server each waits for (not to whichever asks first)."""
    pg, my = job(app_db, "a", PG_A), job(app_db, "b", MY, "mysql")
    lite, high = job(app_db, "c", "samples/shop.db", "sqlite"), job(app_db, "d", "127.0.0.1:5433/x")
    assert admit(app_db, pg, PG_A, overall=1).granted
    assert not admit(app_db, my, MY, overall=1, engine="mysql").granted
    assert not admit(app_db, lite, "samples/shop.db", overall=1, engine="sqlite").granted
    assert not admit(app_db, high, "127.0.0.1:5433/x", "high", overall=1).granted
    jobs.finish(app_db, pg, "Completed")
    assert admission.release(app_db, pg, 1, 1) == [high]
    assert not admit(app_db, my, MY, overall=1, engine="mysql").granted  # asking does not take it back
    assert admit(app_db, high, "127.0.0.1:5433/x", "high", overall=1).granted
    jobs.finish(app_db, high, "Completed")
    assert admission.release(app_db, high, 1, 1) == [my]  # then the oldest
    jobs.finish(app_db, my, "Completed")
    assert admission.release(app_db, my, 1, 1) == [lite]


def test_a_full_server_does_not_hold_back_the_others_under_the_overall_limit(app_db: Database) -> None:
    running, high_same_server = job(app_db, "a", PG_A), job(app_db, "b", PG_B)
    other = job(app_db, "c", MY, "mysql")
    assert admit(app_db, running, PG_A, overall=2).granted
    assert not admit(app_db, high_same_server, PG_B, "high", overall=2).granted  # its server is full
    assert admit(app_db, other, MY, overall=2, engine="mysql").granted  # the free overall slot is usable here


def test_a_release_hands_the_slot_over_and_tells_the_rest_of_the_line_its_place(app_db: Database) -> None:
    first, second, third = job(app_db, "a", PG_A), job(app_db, "b", PG_A), job(app_db, "c", PG_A)
    assert admit(app_db, first, PG_A).granted
    for waiting in (second, third):
        step = admit(app_db, waiting, PG_A).step
        jobs.set_step(app_db, waiting, step)
    assert jobs.get_job(app_db, third).current_step == "waiting for postgresql:127.0.0.1:5432 (2 ahead)"
    jobs.finish(app_db, first, "Completed")
    server = admission.server_of(app_db, first)
    assert server == "postgresql:127.0.0.1:5432"
    assert admission.release(app_db, first, 1, 8) == [second]
    assert admission.release(app_db, first, 1, 8) == []  # a retried release grants nothing twice
    admission.refresh_places(app_db, server)
    assert jobs.get_job(app_db, third).current_step == "waiting for postgresql:127.0.0.1:5432 (1 ahead)"
    assert admit(app_db, second, PG_A).granted
    assert not admit(app_db, third, PG_A).granted


def test_refreshing_the_places_never_fails_the_caller_whose_release_is_done(app_db: Database, caplog) -> None:
    first, second, third = job(app_db, "a", PG_A), job(app_db, "b", PG_A), job(app_db, "c", PG_A)
    assert admit(app_db, first, PG_A).granted
    assert not admit(app_db, second, PG_A).granted
    assert not admit(app_db, third, PG_A).granted  # still waiting after the hand-over: its place is rewritten
    jobs.finish(app_db, first, "Completed")
    assert admission.release(app_db, first, 1, 8) == [second]
    app_db.execute("ALTER TABLE analysis_jobs RENAME TO analysis_jobs_away")  # the database fails from here on
    try:
        admission.refresh_places(app_db, "postgresql:127.0.0.1:5432")  # returns: finalize/cancel stay successful
    finally:
        app_db.execute("ALTER TABLE analysis_jobs_away RENAME TO analysis_jobs")
    assert "places in the line of postgresql:127.0.0.1:5432 not refreshed" in caplog.text
    assert admit(app_db, second, PG_A).granted
