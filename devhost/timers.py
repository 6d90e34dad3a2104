"""Timer triggers: NCRONTAB schedules in UTC, `runOnStartup`, and the schedule monitor of `useMonitor`.

Azure keeps each timer's last and next occurrence in storage so an occurrence missed while the host was down fires
once at the next start with `past_due` set. Locally that status is a JSON file per function under the host's state
directory (`.data/devhost/timers/` by default), which survives restarts the same way.

While the host runs, an occurrence that fires more than `PAST_DUE_TOLERANCE` after its scheduled time is past due
too, as in Azure, where `IsPastDue` means "this invocation runs later than scheduled". That happens when the
previous invocation outlasted the period (the next occurrence waits for it: one timer never overlaps itself) or the
event loop was blocked. Occurrences missed while an invocation ran collapse into one past-due invocation of the
latest of them, so a function slower than its period runs back to back without falling further and further behind.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable

from azure.functions.timer import TimerRequest

from devhost import ncrontab
from devhost.discovery import FunctionInfo

log = logging.getLogger("devhost.timers")

Invoke = Callable[[FunctionInfo, dict[str, Any], str], Awaitable[Any]]

# Lateness an occurrence may have and still count as on time: well above the scheduling jitter of a loaded
# two-core machine (a few ms to ~100 ms), well below the 1 s granularity of NCRONTAB seconds.
PAST_DUE_TOLERANCE = dt.timedelta(seconds=1)
# Bounds the walk to the latest missed occurrence (a `* * * * * *` timer stalled for hours); beyond it, the host
# resumes from the next occurrence after now.
_MAX_MISSED_WALK = 100_000


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


class TimerRunner:
    def __init__(self, info: FunctionInfo, state_dir: Path, invoke: Invoke) -> None:
        self.info = info
        self.invoke = invoke
        self.expression = info.trigger["schedule"]
        self.schedule = ncrontab.parse(self.expression)
        self.use_monitor = bool(info.trigger.get("useMonitor", True))
        self.run_on_startup = bool(info.trigger.get("runOnStartup", False))
        self.status_path = state_dir / "timers" / f"{info.name}.status.json"
        self.last: dt.datetime | None = None

    def _read_status(self) -> dict[str, Any] | None:
        try:
            status = json.loads(self.status_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        # A changed schedule invalidates the recorded next occurrence, as in the host's ScheduleMonitor.
        return status if status.get("Schedule") == self.expression else None

    def _write_status(self, next_occurrence: dt.datetime) -> None:
        if not self.use_monitor:
            return
        self.status_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"Schedule": self.expression, "Last": _iso(self.last),
                                   "Next": _iso(next_occurrence), "LastUpdated": _iso(_utcnow())}),
                       encoding="utf-8")
        tmp.replace(self.status_path)

    def _request(self, past_due: bool, next_occurrence: dt.datetime | None) -> TimerRequest:
        return TimerRequest(
            past_due=past_due,
            schedule_status={"Last": _iso(self.last), "Next": _iso(next_occurrence),
                             "LastUpdated": _iso(_utcnow())},
            schedule={"AdjustForDST": True})

    def manual_request(self) -> TimerRequest:
        """What a call through the admin API receives: never past due, and the schedule status as recorded (the
        real host reads it from the schedule monitor), which the call itself leaves unchanged."""
        status = self._read_status() if self.use_monitor else None
        if not status:
            return TimerRequest(past_due=False, schedule_status=None, schedule={"AdjustForDST": True})
        return TimerRequest(past_due=False, schedule={"AdjustForDST": True},
                            schedule_status={k: status.get(k) for k in ("Last", "Next", "LastUpdated")})

    async def _fire(self, past_due: bool, next_occurrence: dt.datetime) -> None:
        request = self._request(past_due, next_occurrence)
        try:
            await self.invoke(self.info, {self.info.trigger["name"]: request},
                              f"Timer fired at {_utcnow().isoformat()}")
        except Exception:  # noqa: BLE001 - logged by the invocation; a timer keeps its schedule
            pass

    def _latest_missed(self, fired: dt.datetime, now: dt.datetime) -> dt.datetime | None:
        """The last occurrence after `fired` that is already over, if the invocation of `fired` outlasted any."""
        missed = None
        candidate = self.schedule.next_after(fired)
        for _ in range(_MAX_MISSED_WALK):
            if candidate > now:
                return missed
            missed, candidate = candidate, self.schedule.next_after(candidate)
        return None

    async def run(self, stopping: asyncio.Event) -> None:
        now = _utcnow()
        status = self._read_status() if self.use_monitor else None
        if status and status.get("Last"):
            self.last = dt.datetime.fromisoformat(status["Last"])
        recorded_next = dt.datetime.fromisoformat(status["Next"]) if status and status.get("Next") else None
        if recorded_next is not None and recorded_next <= now:
            log.info("Function '%s' is past due: its occurrence at %s was missed", self.info.name,
                     recorded_next.isoformat())
            self.last = recorded_next
            await self._fire(True, self.schedule.next_after(_utcnow()))
        elif self.run_on_startup:
            await self._fire(False, self.schedule.next_after(now))
        fired: dt.datetime | None = None   # the last occurrence this loop fired: start-up ones never catch up
        while not stopping.is_set():
            now = _utcnow()
            occurrence = self._latest_missed(fired, now) if fired is not None else None
            if occurrence is None:
                # Never before the last fired occurrence: an early wake-up must not fire the same occurrence twice.
                occurrence = self.schedule.next_after(max(now, self.last) if self.last else now)
            self._write_status(occurrence)
            wait = (occurrence - _utcnow()).total_seconds()
            try:
                await asyncio.wait_for(stopping.wait(), timeout=max(0.0, wait))
                return
            except asyncio.TimeoutError:
                pass
            lateness = _utcnow() - occurrence
            past_due = lateness > PAST_DUE_TOLERANCE
            if past_due:
                log.info("Function '%s' is past due: its occurrence at %s fires %.1fs late", self.info.name,
                         occurrence.isoformat(), lateness.total_seconds())
            self.last = fired = occurrence
            await self._fire(past_due, self.schedule.next_after(occurrence))
