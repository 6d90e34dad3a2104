"""Timer triggers of the host's test app: a fast monitored timer (fires every 2 s, also on start-up) and a yearly
one that only runs because of `run_on_startup`."""
import datetime as dt

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
