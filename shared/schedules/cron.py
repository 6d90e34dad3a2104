"""Cron expressions in an IANA time zone: validation and next/previous occurrences, correct across DST.

Parsing and stepping are `cronsim`'s (the evaluator behind healthchecks.io), chosen over `croniter` because it
follows Debian cron on daylight-saving days, which is what a DBA expects of "02:30 every night": on a spring-forward
day the skipped 02:30 runs once, at the first valid instant after the gap (03:00); on a fall-back day the repeated
02:30 runs once (the first one). Expressions whose hour field is a wildcard (`30 * * * *`) run in every real hour,
both copies of the repeated one included. `croniter` 7.0 runs a fixed-time job twice on a fall-back day
(measured: 02:30+02:00 and 02:30+01:00 on 2026-10-25 in Europe/Berlin), so it does not meet that rule.

Five fields (`m h dom mon dow`, Hangfire's and cron's form) and six fields with seconds first (NCRONTAB, as the
Functions host writes timer schedules) are both accepted. Occurrences are computed in the schedule's zone and
returned as aware datetimes; storage and comparison use UTC.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

UTC = timezone.utc


class ScheduleError(ValueError):
    """An expression or zone that cannot be used; `field` names the request field it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CronSpec:
    """A validated expression in a zone. `expression` keeps the caller's text (5 or 6 fields)."""

    expression: str
    zone: ZoneInfo

    @property
    def time_zone(self) -> str:
        return self.zone.key

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (aware), in UTC."""
        local = moment.astimezone(self.zone).replace(microsecond=0)
        return next(CronSim(self.expression, local)).astimezone(UTC)

    def next_runs(self, moment: datetime, count: int) -> list[datetime]:
        """`count` occurrences after `moment`, in UTC."""
        runs: list[datetime] = []
        cursor = moment
        for _ in range(count):
            cursor = self.next_after(cursor)
            runs.append(cursor)
        return runs


def parse_zone(name: object, field: str = "timeZone") -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise ScheduleError(field, "must be an IANA time zone name such as Europe/Berlin or UTC")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(field, f"unknown IANA time zone {name[:60]!r} (e.g. Europe/Berlin, America/New_York, "
                                   "UTC)") from None


def parse_cron(expression: object, zone: ZoneInfo, field: str = "cron") -> CronSpec:
    """Validate a 5- or 6-field expression; the error names the field and says what is wrong."""
    if not isinstance(expression, str) or not expression.strip():
        raise ScheduleError(field, "must be a cron expression: 5 fields (minute hour day month weekday) or 6 "
                                   "with seconds first (NCRONTAB)")
    text = " ".join(expression.split())
    parts = text.split(" ")
    if len(parts) not in (5, 6):
        raise ScheduleError(field, f"has {len(parts)} fields; give 5 (minute hour day month weekday) or 6 with "
                                   "seconds first (NCRONTAB)")
    probe = datetime(2026, 1, 1, tzinfo=zone)
    try:
        spec = CronSpec(text, zone)
        spec.next_after(probe)
    except CronSimError as exc:
        raise ScheduleError(field, f"invalid cron expression: {exc}") from None
    except StopIteration:
        raise ScheduleError(field, "the expression never matches a date") from None
    return spec
