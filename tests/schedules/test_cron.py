"""Cron in IANA zones with fixed clocks: daylight-saving days, NCRONTAB seconds, and errors that name the field."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest

from shared.schedules.cron import ScheduleError, parse_cron, parse_zone

UTC = timezone.utc


def local_runs(expression: str, zone_name: str, start: datetime, count: int) -> list[str]:
    zone = parse_zone(zone_name)
    return [run.astimezone(zone).isoformat() for run in parse_cron(expression, zone).next_runs(start, count)]


@pytest.mark.parametrize("zone_name, spring, fall", [
    ("Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 10, 24, 12, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 10, 24, 12, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 7, 18, tzinfo=UTC), datetime(2026, 10, 31, 18, tzinfo=UTC)),
])
def test_a_fixed_time_job_runs_once_on_both_change_days(zone_name: str, spring: datetime, fall: datetime) -> None:
    """02:30 does not exist on the spring-forward day and exists twice on the fall-back day: one run each time."""
    zone = parse_zone(zone_name)
    spec = parse_cron("30 1 * * *" if zone_name == "Europe/London" else "30 2 * * *", zone)
    for start in (spring, fall):
        runs = spec.next_runs(start, 3)
        days = [run.astimezone(zone).date() for run in runs]
        assert len(set(days)) == 3, runs  # three runs on three consecutive days: never two on one day
        assert days == [days[0] + timedelta(days=i) for i in range(3)]


def test_berlin_march_change_runs_the_skipped_0230_at_0300_once() -> None:
    runs = local_runs("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 27, 12, tzinfo=UTC), 4)
    assert runs == ["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00",
                    "2026-03-31T02:30:00+02:00"]


def test_berlin_october_change_runs_the_repeated_0230_once_in_summer_time() -> None:
    runs = local_runs("30 2 * * *", "Europe/Berlin", datetime(2026, 10, 23, 12, tzinfo=UTC), 4)
    assert runs == ["2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00",
                    "2026-10-27T02:30:00+01:00"]
    utc = [datetime.fromisoformat(r).astimezone(UTC).isoformat() for r in runs]
    assert utc[1] == "2026-10-25T00:30:00+00:00" and utc[2] == "2026-10-26T01:30:00+00:00"


def test_an_hourly_job_follows_real_hours_across_the_changes() -> None:
    """A wildcard hour means every real hour: 23 runs on the short day, 25 on the long one."""
    spec = parse_cron("30 * * * *", parse_zone("Europe/Berlin"))
    short_day = spec.next_runs(datetime(2026, 3, 28, 23, 0, tzinfo=UTC), 30)  # 00:00 Berlin on March 29
    long_day = spec.next_runs(datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 30)  # 00:00 Berlin on October 25
    zone = parse_zone("Europe/Berlin")
    assert sum(1 for r in short_day if r.astimezone(zone).date().isoformat() == "2026-03-29") == 23
    assert sum(1 for r in long_day if r.astimezone(zone).date().isoformat() == "2026-10-25") == 25
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(long_day))


def test_weekly_job_in_new_york_keeps_local_time_across_november_change() -> None:
    runs = local_runs("0 9 * * MON", "America/New_York", datetime(2026, 10, 20, tzinfo=UTC), 3)
    assert runs == ["2026-10-26T09:00:00-04:00", "2026-11-02T09:00:00-05:00", "2026-11-09T09:00:00-05:00"]


def test_six_fields_are_ncrontab_with_seconds_first() -> None:
    start = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert local_runs("*/15 * * * * *", "UTC", start, 3) == [
        "2026-01-01T00:00:15+00:00", "2026-01-01T00:00:30+00:00", "2026-01-01T00:00:45+00:00"]
    assert local_runs("0 0 0 * * *", "UTC", start, 2) == ["2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"]
    assert local_runs("0 0 * * *", "UTC", start, 1) == ["2026-01-02T00:00:00+00:00"]


def test_next_after_is_strictly_after() -> None:
    spec = parse_cron("0 0 * * *", parse_zone("UTC"))
    midnight = datetime(2026, 5, 1, tzinfo=UTC)
    assert spec.next_after(midnight) == midnight + timedelta(days=1)
    assert spec.next_after(midnight - timedelta(microseconds=1)) == midnight


@pytest.mark.parametrize("expression, words", [
    ("61 * * * *", "minute"), ("0 0 30 2 *", "day-of-month"), ("* * *", "3 fields"), ("0 0 0 0 0 0 0", "7 fields"),
    ("*/0 * * * *", "minute"), ("", "5 fields"), ("0 25 * * *", "hour"),
])
def test_bad_expressions_name_the_cron_field(expression: str, words: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_cron(expression, parse_zone("UTC"))
    assert caught.value.field == "cron" and words.lower() in caught.value.message.lower(), caught.value.message


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/"])
def test_bad_zones_name_the_time_zone_field(name: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_zone(name)
    assert caught.value.field == "timeZone"
