"""NCRONTAB parsing and next occurrences, as the timer trigger computes them (six fields, seconds first, UTC)."""
import datetime as dt

import pytest

from devhost import ncrontab

UTC = dt.timezone.utc


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("*/2 * * * * *", at(2026, 1, 1, 0, 0, 0), at(2026, 1, 1, 0, 0, 2)),
    ("*/2 * * * * *", at(2026, 1, 1, 0, 0, 1), at(2026, 1, 1, 0, 0, 2)),
    ("0 */5 * * * *", at(2026, 1, 1, 10, 7, 30), at(2026, 1, 1, 10, 10, 0)),
    ("0 30 9 * * *", at(2026, 1, 1, 9, 30, 0), at(2026, 1, 2, 9, 30, 0)),          # strictly after
    ("0 0 2 * * Mon-Fri", at(2026, 11, 21, 12, 0, 0), at(2026, 11, 23, 2, 0, 0)),  # Saturday -> Monday
    ("0 0 0 1 Jan *", at(2026, 6, 1), at(2027, 1, 1)),
    ("0 0 12 29 2 *", at(2026, 3, 1), at(2028, 2, 29, 12)),                        # next leap day
    ("5,10 0 0 * * *", at(2026, 1, 1, 0, 0, 5), at(2026, 1, 1, 0, 0, 10)),
    ("0 0 8-10/2 * * *", at(2026, 1, 1, 8, 0, 0), at(2026, 1, 1, 10, 0, 0)),
    ("0 0 0 * * 0", at(2026, 11, 22, 0, 0, 0), at(2026, 11, 29)),                  # Sunday is 0 (and 7)
    ("0 0 0 * * 7", at(2026, 11, 22, 0, 0, 0), at(2026, 11, 29)),
    ("0 0 0 13 * Fri", at(2026, 11, 1), at(2026, 11, 6)),                           # day OR weekday, like cron
    ("0 15 10 * * *", at(2026, 12, 31, 23, 59, 59), at(2027, 1, 1, 10, 15)),       # year rollover
    ("0 0 * * * *", at(2026, 1, 1, 0, 59, 59, ), at(2026, 1, 1, 1, 0, 0)),
])
def test_next_occurrence(expression: str, after: dt.datetime, expected: dt.datetime) -> None:
    assert ncrontab.parse(expression).next_after(after) == expected


def test_five_fields_mean_second_zero() -> None:
    assert ncrontab.parse("*/15 * * * *").next_after(at(2026, 1, 1, 0, 0, 1)) == at(2026, 1, 1, 0, 15, 0)


def test_naive_datetimes_are_utc_and_microseconds_do_not_repeat_an_occurrence() -> None:
    schedule = ncrontab.parse("* * * * * *")
    assert schedule.next_after(dt.datetime(2026, 1, 1, 0, 0, 0, 900000)) == at(2026, 1, 1, 0, 0, 1)


@pytest.mark.parametrize(("expression", "field"), [
    ("* * * *", "six fields"),
    ("60 * * * * *", "second"),
    ("* * 24 * * *", "hour"),
    ("* * * 0 * *", "day"),
    ("* * * * 13 *", "month"),
    ("* * * * * Funday", "day-of-week"),
    ("*/0 * * * * *", "step"),
    ("* 10-5 * * * *", "backwards"),
])
def test_bad_schedules_name_the_field(expression: str, field: str) -> None:
    with pytest.raises(ncrontab.CronError, match=field):
        ncrontab.parse(expression)


def test_impossible_date_is_reported() -> None:
    with pytest.raises(ncrontab.CronError, match="never occurs"):
        ncrontab.parse("0 0 0 31 2 *").next_after(at(2026, 1, 1))
