"""Timer triggers on the local host: a fast NCRONTAB schedule, `run_on_startup`, and a past-due occurrence after a
restart with `use_monitor` (the schedule status survives in the host's state folder)."""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.devhost_app._record import records
from tests.support.waiting import HANG_GUARD_S, wait_for

APP = "tests.devhost_app.function_app:app"


def test_fast_timer_fires_on_schedule_and_on_startup_then_past_due_after_restart(local_host) -> None:
    host = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "timer-work", "DEVHOST_TEST_FAIL_QUEUE": "timer-fail"})
    fired = wait_for(lambda: len(records(host.output_dir, "fast_timer")) >= 3 and records(host.output_dir,
                                                                                         "fast_timer"))
    assert [r["past_due"] for r in fired[:3]] == [False, False, False]
    # The occurrences themselves (the schedule, not when a busy machine got round to running them): */2 means
    # even seconds, UTC, each one later than the one before.
    occurrences = [dt.datetime.fromisoformat(r["status"]["Next"]) for r in fired[1:3]]
    assert all(t.second % 2 == 0 and t.microsecond == 0 for t in occurrences)
    assert occurrences[0] < occurrences[1]
    assert records(host.output_dir, "startup_timer") == [{"past_due": False}]   # yearly, ran only at start-up

    assert host.stop() == 0
    status_file = host.workdir / "state" / "timers" / "fast_timer.status.json"
    recorded_next = dt.datetime.fromisoformat(json.loads(status_file.read_text())["Next"])
    while dt.datetime.now(dt.timezone.utc) < recorded_next + dt.timedelta(seconds=0.5):
        time.sleep(0.1)                                                    # the host misses that occurrence
    before = len(records(host.output_dir, "fast_timer"))
    host.start()
    after_restart = wait_for(lambda: records(host.output_dir, "fast_timer")[before:])
    assert after_restart[0]["past_due"] is True
    assert dt.datetime.fromisoformat(after_restart[0]["status"]["Last"]) == recorded_next
    later = wait_for(lambda: len(records(host.output_dir, "fast_timer")) >= before + 2
                     and records(host.output_dir, "fast_timer")[before + 1:])
    assert later[0]["past_due"] is False                                   # past due fires once only
    assert len(records(host.output_dir, "startup_timer")) == 2
    host.stop()


def test_no_past_due_when_restarted_before_the_next_occurrence(local_host) -> None:
    host = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "timer-work2", "DEVHOST_TEST_FAIL_QUEUE": "timer-fail2"})
    wait_for(lambda: records(host.output_dir, "fast_timer"))
    host.stop()
    status_file = host.workdir / "state" / "timers" / "fast_timer.status.json"
    status = json.loads(status_file.read_text())
    status["Next"] = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    status_file.write_text(json.dumps(status))                             # next occurrence still ahead
    before = len(records(host.output_dir, "fast_timer"))
    host.start()
    after = wait_for(lambda: records(host.output_dir, "fast_timer")[before:])
    assert after[0]["past_due"] is False
    host.stop()


def test_occurrence_that_fires_late_because_the_previous_run_outlasted_the_period_is_past_due(local_host) -> None:
    """Every 3 s, runs 4.5 s: the occurrence at T+3 waits for the run of T and fires ~1.5 s late (tolerance 1 s);
    the ones that fire on time are not past due."""
    host = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "timer-work3", "DEVHOST_TEST_FAIL_QUEUE": "timer-fail3",
                                    "DEVHOST_TEST_SLOW_TIMER_SCHEDULE": "*/3 * * * * *",
                                    "DEVHOST_TEST_SLOW_TIMER_SECONDS": "4.5"})
    fired = wait_for(lambda: len(records(host.output_dir, "slow_timer")) >= 2 and records(host.output_dir,
                                                                                        "slow_timer"))
    first, late = fired[:2]
    scheduled = dt.datetime.fromisoformat(first["status"]["Last"])
    assert first["past_due"] is False and dt.datetime.fromisoformat(first["at"]) >= scheduled
    assert late["past_due"] is True
    assert dt.datetime.fromisoformat(late["status"]["Last"]) == scheduled + dt.timedelta(seconds=3)
    lateness = (dt.datetime.fromisoformat(late["at"]) - scheduled - dt.timedelta(seconds=3)).total_seconds()
    assert lateness > 1.0  # it waited for the run of T (4.5 s from T): order, not an upper bound on the delay
    assert "Function 'slow_timer' is past due" in host.log_text()
    assert not any(r["past_due"] for r in records(host.output_dir, "fast_timer"))   # on time beside it
    host.stop()


def test_missed_occurrences_collapse_into_the_latest_one(tmp_path: Path) -> None:
    """A run that outlasts several periods is followed by one catch-up, for the latest missed occurrence, so the
    timer never falls further behind than one period."""
    from devhost.discovery import FunctionInfo
    from devhost.timers import TimerRunner

    info = FunctionInfo(name="t", kind="timer", trigger={"name": "timer", "schedule": "*/2 * * * * *"},
                        bindings=[], user_function=lambda timer: None)
    runner = TimerRunner(info, tmp_path, invoke=None)  # type: ignore[arg-type] - never invoked here
    fired = dt.datetime(2026, 1, 1, 10, 0, 0, tzinfo=dt.timezone.utc)
    at = lambda seconds: fired + dt.timedelta(seconds=seconds)  # noqa: E731
    assert runner._latest_missed(fired, at(1.9)) is None                  # finished within the period
    assert runner._latest_missed(fired, at(2.0)) == at(2)
    assert runner._latest_missed(fired, at(7.5)) == at(6)                 # 2, 4 and 6 missed: one catch-up, for 6
