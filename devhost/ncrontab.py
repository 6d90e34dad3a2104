"""NCRONTAB schedules as the Functions timer trigger reads them: six fields, seconds first, evaluated in UTC.

`{second} {minute} {hour} {day} {month} {day-of-week}`; each field takes `*`, numbers, ranges `a-b`, lists `a,b`,
steps `*/n` / `a-b/n`, and month / weekday names (`Jan`, `Mon`). Five-field expressions are accepted too (seconds
= 0), as the host's parser does. Like cron, when both day-of-month and day-of-week are restricted a day matches if
either does.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_MONTHS = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DAYS = {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}

# (name, lowest, highest, names)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 6, _DAYS),
)


class CronError(ValueError):
    """A schedule the timer trigger cannot read; the message names the field."""


def _value(text: str, field: str, low: int, high: int, names: dict[str, int]) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise CronError(f"{field}: {text!r} is not a number")
    value = int(text)
    if field == "day-of-week" and value == 7:  # cron's alternative Sunday
        value = 0
    if not low <= value <= high:
        raise CronError(f"{field}: {value} is outside {low}-{high}")
    return value


def _parse_field(text: str, field: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{field}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _value(a, field, low, high, names), _value(b, field, low, high, names)
            if start > end:
                raise CronError(f"{field}: range {base!r} runs backwards")
        else:
            start = _value(base, field, low, high, names)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_restricted: bool
    weekday_restricted: bool

    def _day_matches(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = (day.isoweekday() % 7) in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays

    def next_after(self, after: dt.datetime) -> dt.datetime:
        """First occurrence strictly after `after` (aware; naive means UTC), in UTC."""
        if after.tzinfo is None:
            after = after.replace(tzinfo=dt.timezone.utc)
        start = after.astimezone(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=1)
        day = start.date()
        for _ in range(366 * 8):  # leap days with a weekday restriction may need years
            if self._day_matches(day):
                first_day = day == start.date()
                for hour in sorted(self.hours):
                    if first_day and hour < start.hour:
                        continue
                    for minute in sorted(self.minutes):
                        if first_day and hour == start.hour and minute < start.minute:
                            continue
                        for second in sorted(self.seconds):
                            candidate = dt.datetime(day.year, day.month, day.day, hour, minute, second,
                                                    tzinfo=dt.timezone.utc)
                            if candidate >= start:
                                return candidate
            day += dt.timedelta(days=1)
        raise CronError(f"schedule {self.expression!r} never occurs")


def parse(expression: str) -> Schedule:
    parts = expression.split()
    if len(parts) == 5:
        parts = ["0", *parts]
    if len(parts) != 6:
        raise CronError(f"schedule {expression!r} needs six fields: second minute hour day month day-of-week")
    sets = [_parse_field("*" if p == "?" else p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)]
    seconds, minutes, hours, days, months, weekdays = sets
    return Schedule(expression, seconds, minutes, hours, days, months, weekdays,
                    day_restricted=parts[3] not in ("*", "?"), weekday_restricted=parts[5] not in ("*", "?"))
