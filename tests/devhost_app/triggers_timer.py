"""Timer triggers of the host's test app: a fast monitored timer (fires every 2 s, also on start-up), a yearly
one that only runs because of `run_on_startup`, and a slow one whose schedule and run time are app settings (by
default yearly and instant, so it stays out of the way of tests that do not ask for it)."""
import datetime as dt
import os
import time

import azure.durable_functions as df
import azure.functions as func

from tests.devhost_app._record import record

bp = df.Blueprint()


@bp.timer_trigger(schedule="*/2 * * * * *", arg_name="timer", run_on_startup=True, use_monitor=True)
def fast_timer(timer: func.TimerRequest) -> None:
    record("fast_timer", past_due=timer.past_due, at=dt.datetime.now(dt.timezone.utc).isoformat(),
           status=timer.schedule_status)


@bp.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True, use_monitor=False)
def startup_timer(timer: func.TimerRequest) -> None:
    record("startup_timer", past_due=timer.past_due)


@bp.timer_trigger(schedule="%DEVHOST_TEST_SLOW_TIMER_SCHEDULE%", arg_name="timer", use_monitor=True)
def slow_timer(timer: func.TimerRequest) -> None:
    record("slow_timer", past_due=timer.past_due, at=dt.datetime.now(dt.timezone.utc).isoformat(),
           status=timer.schedule_status)
    time.sleep(float(os.environ.get("DEVHOST_TEST_SLOW_TIMER_SECONDS", "0")))
