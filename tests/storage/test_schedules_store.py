"""Schedules on SQLite and PostgreSQL with fixed clocks: upsert, claims, missed occurrences, overlap, the built-in
daily scan, run outcomes and the notifications they queue (once, however often they are observed).

`RecordingRunner` stands in for the durable client only (the e2e tests drive the real one through the host): it
records each start and answers job states the test sets, so the rules of `shared.schedules.service` are pinned
with exact clocks, which a live host cannot give.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from shared.analyzer import jobs
from shared.analyzer.models import AnalysisOptions
from shared.api.problems import Problem
from shared.notifications import outbox
from shared.schedules import service, store
from shared.schedules.model import BUILTIN_DAILY_SCAN, Kind, Overlap, Schedule, parse_schedule
from shared.schedules.service import ACTIVE, JobState
from shared.storage.db import Database
from tests.storage.concurrency import race

UTC = timezone.utc
T0 = datetime(2026, 6, 1, 10, 0, 0, tzinfo=UTC)


class RecordingRunner:
    def __init__(self) -> None:
        self.started: list[tuple[str, str]] = []
        self.states: dict[str, JobState] = {}
        self.refuse: Problem | None = None
        self.lock = threading.Lock()

    async def start(self, schedule: Schedule, run_id: str) -> str:
        if self.refuse:
            raise self.refuse
        with self.lock:
            job_id = f"job-{len(self.started) + 1}"
            self.started.append((schedule.schedule_id, job_id))
        self.states[job_id] = JobState(ACTIVE)
        return job_id

    async def state(self, kind: Kind, job_id: str) -> JobState:
        return self.states.get(job_id, JobState("missing"))


def scan_schedule(schedule_id: str = "nightly", cron: str = "* * * * *", **extra: Any) -> Schedule:
    body = {"kind": "policy-scan", "cron": cron, "request": {}, **extra}
    return parse_schedule(schedule_id, body)


def tick(db: Database, runner: RecordingRunner, now: datetime) -> service.TickResult:
    return asyncio.run(service.tick(db, runner, now))


@pytest.fixture(autouse=True)
def _no_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_SCAN_SCHEDULE", "off")


def test_put_is_an_idempotent_upsert_that_keeps_the_sequence_unless_timing_changes(app_db: Database) -> None:
    schedule = scan_schedule(cron="0 3 * * *")
    assert service.save(app_db, schedule, T0) is True
    first = store.get(app_db, "nightly")
    assert first is not None and first.next_run_at == "2026-06-02T03:00:00+00:00"
    assert service.save(app_db, scan_schedule(cron="0 3 * * *", recipients=["dba@example.com"]), T0 + timedelta(
        days=3)) is False
    again = store.get(app_db, "nightly")
    assert again is not None and again.next_run_at == first.next_run_at  # same timing: sequence kept
    assert again.schedule.recipients == ["dba@example.com"]
    service.save(app_db, scan_schedule(cron="30 2 * * *", timeZone="Europe/Berlin"), T0)
    moved = store.get(app_db, "nightly")
    assert moved is not None and moved.next_run_at == "2026-06-02T00:30:00+00:00"  # 02:30 CEST
    service.save(app_db, scan_schedule(cron="30 2 * * *", enabled=False), T0)
    disabled = store.get(app_db, "nightly")
    assert disabled is not None and disabled.next_run_at is None
    assert store.list_schedules(app_db, 0, 10)[1] == 1


def test_a_due_schedule_fires_once_and_missed_occurrences_collapse(app_db: Database) -> None:
    service.save(app_db, scan_schedule(cron="* * * * *"), T0 - timedelta(minutes=6))  # next: 09:55
    runner = RecordingRunner()
    result = tick(app_db, runner, T0 + timedelta(seconds=30))  # five occurrences missed while "down"
    assert result.started == ["nightly"] and len(runner.started) == 1
    stored = store.get(app_db, "nightly")
    assert stored is not None and stored.next_run_at == "2026-06-01T10:01:00+00:00"
    assert tick(app_db, runner, T0 + timedelta(seconds=45)).started == []  # nothing new is due
    runs, total = store.list_runs(app_db, "nightly", 0, 10)
    assert total == 1 and runs[0].occurrence_at == "2026-06-01T09:55:00+00:00" and runs[0].job_id == "job-1"


def test_disabled_schedule_never_fires(app_db: Database) -> None:
    service.save(app_db, scan_schedule(enabled=False), T0 - timedelta(minutes=5))
    runner = RecordingRunner()
    assert tick(app_db, runner, T0).started == [] and runner.started == []


def test_overlap_skip_records_skipped_runs_while_the_job_is_active(app_db: Database) -> None:
    service.save(app_db, scan_schedule(overlap="skip"), T0 - timedelta(minutes=1))
    runner = RecordingRunner()
    assert tick(app_db, runner, T0).started == ["nightly"]
    assert tick(app_db, runner, T0 + timedelta(minutes=1)).skipped == ["nightly"]
    assert tick(app_db, runner, T0 + timedelta(minutes=2)).skipped == ["nightly"]
    runner.states["job-1"] = JobState("Completed")
    assert tick(app_db, runner, T0 + timedelta(minutes=3)).started == ["nightly"]
    runs, _ = store.list_runs(app_db, "nightly", 0, 10)
    assert sorted(r.status for r in runs) == ["Completed", "Skipped", "Skipped", "Started"]
    assert [s for s, _ in runner.started] == ["nightly", "nightly"]


def test_overlap_queue_one_keeps_one_waiting_run(app_db: Database) -> None:
    service.save(app_db, scan_schedule(overlap="queue-one"), T0 - timedelta(minutes=1))
    runner = RecordingRunner()
    tick(app_db, runner, T0)
    assert tick(app_db, runner, T0 + timedelta(minutes=1)).queued == ["nightly"]
    tick(app_db, runner, T0 + timedelta(minutes=2))  # a second occurrence folds into the waiting one
    stored = store.get(app_db, "nightly")
    assert stored is not None and stored.queued_at == "2026-06-01T10:01:00+00:00"
    runner.states["job-1"] = JobState("Completed")
    result = tick(app_db, runner, T0 + timedelta(minutes=2, seconds=30))
    assert result.started == ["nightly"] and len(runner.started) == 2
    stored = store.get(app_db, "nightly")
    assert stored is not None and stored.queued_at is None


def test_two_hosts_ticking_at_once_start_each_occurrence_once(app_db: Database, open_database: Any) -> None:
    for i in range(5):
        service.save(app_db, scan_schedule(f"s{i}"), T0 - timedelta(minutes=1))
    hosts = [open_database(), open_database()]
    runner = RecordingRunner()
    results = race(app_db, *[lambda db=db: tick(db, runner, T0) for db in hosts])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(s for s, _ in runner.started) == [f"s{i}" for i in range(5)]
    assert sum(len(r.started) for r in results) == 5


def test_a_failed_run_queues_one_failure_mail_however_often_it_is_observed(
        app_db: Database, open_database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_FAILURE_RECIPIENTS", "oncall@example.com")
    service.save(app_db, scan_schedule(recipients=["dba@example.com"], notifyOn=["failure"]), T0 - timedelta(
        minutes=1))
    runner = RecordingRunner()
    tick(app_db, runner, T0)
    runner.states["job-1"] = JobState("Failed", "GitHub answered 502 three times", 1, "acme")
    other = open_database()
    results = race(app_db, lambda: asyncio.run(service.settle_runs(app_db, runner)),
                   lambda: asyncio.run(service.settle_runs(other, runner)))
    assert sum(r[1] for r in results) == 1, results
    items, total = outbox.list_items(app_db, "job-1", 0, 10)
    assert total == 1 and items[0].notification.outbox_id == "failure:job-1:1"
    assert items[0].notification.recipients == ["dba@example.com", "oncall@example.com"]
    assert "GitHub answered 502" in items[0].notification.body_text
    assert "/api/dashboard#job=job-1" in items[0].notification.body_html
    runs, _ = store.list_runs(app_db, "nightly", 0, 10)
    assert runs[0].status == "Failed" and runs[0].message == "GitHub answered 502 three times"


def test_success_sends_nothing_unless_asked(app_db: Database) -> None:
    service.save(app_db, scan_schedule("quiet", recipients=["dba@example.com"]), T0 - timedelta(minutes=1))
    service.save(app_db, scan_schedule("chatty", recipients=["dba@example.com"], notifyOn=["failure", "success"]),
                 T0 - timedelta(minutes=1))
    runner = RecordingRunner()
    tick(app_db, runner, T0)
    for job_id in list(runner.states):
        runner.states[job_id] = JobState("Completed")
    tick(app_db, runner, T0 + timedelta(seconds=20))
    items, total = outbox.list_items(app_db, None, 0, 10)
    chatty_job = dict(runner.started)["chatty"]
    assert total == 1 and items[0].notification.outbox_id == f"success:{chatty_job}:1"


def test_a_start_refused_is_a_failed_run_with_the_reason(app_db: Database) -> None:
    service.save(app_db, scan_schedule(recipients=["dba@example.com"]), T0 - timedelta(minutes=1))
    runner = RecordingRunner()
    runner.refuse = Problem(503, "GITHUB_ORG is not set: the organization to scan is unknown")
    tick(app_db, runner, T0)
    runs, _ = store.list_runs(app_db, "nightly", 0, 10)
    assert runs[0].status == "Failed" and "GITHUB_ORG" in (runs[0].message or "")
    assert outbox.list_items(app_db, None, 0, 10)[1] == 1


def test_the_builtin_daily_scan_follows_its_settings_until_saved_through_the_api(
        app_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ORG", "acme")
    monkeypatch.delenv("POLICY_SCAN_SCHEDULE")
    service.ensure_builtin(app_db, T0)
    builtin = store.get(app_db, BUILTIN_DAILY_SCAN)
    assert builtin is not None and builtin.schedule.cron == "0 0 * * *" and builtin.schedule.origin == "builtin"
    assert builtin.next_run_at == "2026-06-02T00:00:00+00:00"
    monkeypatch.setenv("POLICY_SCAN_SCHEDULE", "0 6 * * 1-5")
    monkeypatch.setenv("POLICY_SCAN_TIME_ZONE", "Europe/Berlin")
    service.ensure_builtin(app_db, T0)
    builtin = store.get(app_db, BUILTIN_DAILY_SCAN)
    assert builtin is not None and builtin.next_run_at == "2026-06-02T04:00:00+00:00"
    service.save(app_db, parse_schedule(BUILTIN_DAILY_SCAN, {"kind": "policy-scan", "cron": "0 1 * * *"}), T0)
    monkeypatch.setenv("POLICY_SCAN_SCHEDULE", "0 7 * * *")
    service.ensure_builtin(app_db, T0)
    builtin = store.get(app_db, BUILTIN_DAILY_SCAN)
    assert builtin is not None and builtin.schedule.cron == "0 1 * * *" and builtin.schedule.origin == "api"


def test_trigger_now_starts_a_manual_run_and_updates_last_run(app_db: Database) -> None:
    service.save(app_db, scan_schedule(cron="0 3 * * *"), T0)
    runner = RecordingRunner()
    run = asyncio.run(service.trigger_now(app_db, runner, "nightly"))
    assert run.trigger_kind == "manual" and run.job_id == "job-1"
    stored = store.get(app_db, "nightly")
    assert stored is not None and stored.last_run_id == run.run_id
    body = service.describe(stored, app_db, "http://h")
    assert body["lastRun"]["jobUrl"] == "http://h/api/v1/scans/job-1"
    assert body["nextRun"]["utc"] == "2026-06-02T03:00:00+00:00"


def test_describe_gives_the_next_run_in_the_zone(app_db: Database) -> None:
    service.save(app_db, scan_schedule(cron="30 2 * * *", timeZone="America/New_York"), T0)
    stored = store.get(app_db, "nightly")
    assert stored is not None
    body = service.describe(stored, app_db, "http://h")
    assert body["nextRun"] == {"utc": "2026-06-02T06:30:00+00:00", "local": "2026-06-02T02:30:00-04:00"}
    assert body["overlap"] == Overlap.SKIP.value and body["lastRun"] is None


def completed_analysis(db: Database, job_id: str, score: int, *findings: tuple[str, str, str]) -> None:
    jobs.create_job(db, job_id, analysis_type="quick", engine="sqlite", target="samples/shop.db",
                    options=AnalysisOptions(), source="schedule", secret_ref=None, connection_name="shop")
    jobs.save_report(db, job_id, {"jobId": job_id, "score": score, "findings": [
        {"checkId": c, "object": o, "severity": s, "message": "m"} for c, o, s in findings]})
    jobs.finish(db, job_id, "Completed")
    time.sleep(0.002)  # created_at orders the history


def test_analysis_conditions_compare_with_the_previous_run_of_the_target(app_db: Database,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_CONNECTION_SHOP", "Driver={SQLite3};Database=samples/shop.db;")
    schedule = parse_schedule("shop-nightly", {"kind": "analysis", "cron": "0 3 * * *", "recipients": ["d@example.com"],
                                               "notifyOn": ["new-critical", "score-drop:10"],
                                               "request": {"connectionName": "shop"}})
    first, second, third = ("analysis-" + c * 32 for c in "abc")
    completed_analysis(app_db, first, 90, ("sqlite-autoincrement", "main.events", "low"))
    completed_analysis(app_db, second, 85, ("sqlite-autoincrement", "main.events", "low"),
                       ("sqlite-foreign-keys-off", "main.foreign_keys", "high"))
    completed_analysis(app_db, third, 60, ("sqlite-quick-check", "main", "critical"))
    run = store.Run("run-x", "shop-nightly", "2026-06-01T03:00:00+00:00", "schedule", second, "Started", None,
                    "2026-06-01T03:00:00+00:00", None)
    assert service.conditions_met(app_db, schedule, run, JobState("Completed")) == []  # a new high, a 5-point drop
    events = service.conditions_met(app_db, schedule, replace(run, job_id=third), JobState("Completed"))
    assert [e.kind for e in events] == ["new-critical", "score-drop"]
    assert "sqlite-quick-check: main: m" in events[0].lines and "from 85 to 60" in events[1].detail


def test_an_unexpected_start_error_fails_that_run_only(app_db: Database) -> None:
    class Flaky(RecordingRunner):
        async def start(self, schedule: Schedule, run_id: str) -> str:
            if schedule.schedule_id == "a-broken":
                raise RuntimeError("engine unavailable")
            return await super().start(schedule, run_id)

    service.save(app_db, scan_schedule("a-broken"), T0 - timedelta(minutes=1))
    service.save(app_db, scan_schedule("b-fine"), T0 - timedelta(minutes=1))
    runner = Flaky()
    assert tick(app_db, runner, T0).started == ["b-fine"]
    runs, _ = store.list_runs(app_db, "a-broken", 0, 10)
    assert runs[0].status == "Failed" and "RuntimeError" in (runs[0].message or "")


@pytest.mark.parametrize("start, expected", [
    (datetime(2026, 3, 28, 22, 0, tzinfo=UTC), "2026-03-29T01:00:00+00:00"),    # 03:00 CEST: 02:30 did not exist
    (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), "2026-10-25T00:30:00+00:00"),   # the first of the two 02:30s
])
def test_ticks_across_a_dst_change_start_the_0230_job_once(app_db: Database, start: datetime, expected: str) -> None:
    service.save(app_db, scan_schedule("berlin-0230", cron="30 2 * * *", timeZone="Europe/Berlin"), start)
    runner = RecordingRunner()
    for minute in range(0, 6 * 60, 15):  # a tick every quarter hour for six hours around the change
        result = tick(app_db, runner, start + timedelta(minutes=minute))
        for job_id in runner.states:
            runner.states[job_id] = JobState("Completed")
        assert not result.skipped
    runs, total = store.list_runs(app_db, "berlin-0230", 0, 10)
    assert total == 1 and runs[0].occurrence_at == expected and len(runner.started) == 1
