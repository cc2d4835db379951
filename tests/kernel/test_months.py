"""kernel.months: month arithmetic, zones, wall clocks across DST, local months as UTC instants, today."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kernel import months
from kernel.months import (
    active_window,
    add_months,
    current_month,
    days_in,
    first_of,
    last_day_of,
    local_midnight,
    month_bounds,
    month_iso,
    month_label,
    month_of,
    month_window,
    months_apart,
    months_between,
    next_month,
    parse_month,
    previous_month,
    recent_months,
    today,
    wall_to_utc,
    zone,
)

UTC = dt.UTC
NEW_YORK = "America/New_York"
HOUR = dt.timedelta(hours=1)


def utc(*parts: int) -> dt.datetime:
    """Build a UTC instant."""
    return dt.datetime(*parts, tzinfo=UTC)


# --- months as dates ---------------------------------------------------------------------


def test_a_month_is_held_as_its_first_day() -> None:
    assert first_of(dt.date(2026, 4, 17)) == dt.date(2026, 4, 1)


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        (dt.date(2026, 4, 17), 0, dt.date(2026, 4, 1)),
        (dt.date(2026, 11, 30), 2, dt.date(2027, 1, 1)),
        (dt.date(2026, 1, 31), -1, dt.date(2025, 12, 1)),
        (dt.date(2026, 4, 1), -28, dt.date(2023, 12, 1)),
        (dt.date(2026, 4, 1), 24, dt.date(2028, 4, 1)),
    ],
)
def test_adding_months_wraps_across_years_both_ways(month: dt.date, count: int, expected: dt.date) -> None:
    assert add_months(month, count) == expected


def test_the_next_and_previous_month_wrap_at_the_year_end() -> None:
    assert next_month(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert previous_month(dt.date(2027, 1, 15)) == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("month", "last"),
    [
        (dt.date(2026, 2, 10), dt.date(2026, 2, 28)),
        (dt.date(2028, 2, 1), dt.date(2028, 2, 29)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 5), dt.date(2026, 12, 31)),
    ],
)
def test_the_last_day_and_length_of_a_month_know_leap_years(month: dt.date, last: dt.date) -> None:
    assert last_day_of(month) == last
    assert days_in(month) == last.day
    assert month_bounds(month) == (first_of(month), last)


def test_the_months_between_two_dates_include_both_ends_and_cross_the_year() -> None:
    assert months_between(dt.date(2026, 11, 20), dt.date(2027, 2, 3)) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
    ]
    assert months_between(dt.date(2026, 4, 30), dt.date(2026, 4, 1)) == [dt.date(2026, 4, 1)]
    assert months_between(dt.date(2026, 5, 1), dt.date(2026, 4, 30)) == []


def test_months_apart_counts_calendar_months_not_days() -> None:
    assert months_apart(dt.date(2026, 1, 31), dt.date(2026, 2, 1)) == 1
    assert months_apart(dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == 0
    assert months_apart(dt.date(2027, 1, 1), dt.date(2026, 12, 31)) == -1


def test_recent_months_run_back_from_a_month_newest_first() -> None:
    assert recent_months(dt.date(2026, 2, 14), 3) == [dt.date(2026, 2, 1), dt.date(2026, 1, 1), dt.date(2025, 12, 1)]
    assert recent_months(dt.date(2026, 2, 14), 0) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-04", dt.date(2026, 4, 1)),
        ("2026-4", dt.date(2026, 4, 1)),
        ("2026-13", None),
        ("April 2026", None),
        ("", None),
        (None, None),
    ],
)
def test_a_month_is_read_from_year_dash_month_only(raw: str | None, expected: dt.date | None) -> None:
    assert parse_month(raw) == expected


def test_a_month_is_written_for_machines_and_for_people() -> None:
    assert month_iso(dt.date(2026, 4, 17)) == "2026-04"
    assert month_label(dt.date(2026, 4, 17)) == "April 2026"


# --- zones and wall clocks -------------------------------------------------------------------


def test_a_zone_is_found_by_its_iana_name_once() -> None:
    assert zone(NEW_YORK) is zone(NEW_YORK)
    assert dt.datetime(2026, 7, 1, tzinfo=zone(NEW_YORK)).utcoffset() == -4 * HOUR


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "America", "", "../etc/passwd"])
def test_an_unknown_zone_is_a_readable_value_error(name: str) -> None:
    with pytest.raises(ValueError, match=f"unknown time zone {name!r}: use an IANA name"):
        zone(name)


def test_a_plain_wall_time_is_read_with_the_zones_offset() -> None:
    assert wall_to_utc(dt.date(2026, 4, 20), dt.time(10), zone(NEW_YORK)) == utc(2026, 4, 20, 14)


def test_a_wall_time_in_the_spring_forward_gap_is_the_instant_the_gap_ends() -> None:
    # 02:30 never shows in New York on 8 March 2026: the clock jumps from 02:00 EST to 03:00 EDT.
    gap_end = utc(2026, 3, 8, 7)
    assert wall_to_utc(dt.date(2026, 3, 8), dt.time(2, 30), zone(NEW_YORK)) == gap_end
    assert wall_to_utc(dt.date(2026, 3, 8), dt.time(2, 30), zone(NEW_YORK), is_end=True) == gap_end


def test_a_half_hour_gap_is_found_to_the_microsecond() -> None:
    # Lord Howe moves from +10:30 to +11:00 at 02:00 local on 4 October 2026, so 02:15 does not exist.
    assert wall_to_utc(dt.date(2026, 10, 4), dt.time(2, 15), zone("Australia/Lord_Howe")) == utc(2026, 10, 3, 15, 30)


def test_a_wall_time_in_the_fall_back_fold_starts_at_its_first_and_ends_at_its_second_occurrence() -> None:
    # 01:30 shows twice in New York on 1 November 2026: first in EDT, then in EST.
    day, wall, tz = dt.date(2026, 11, 1), dt.time(1, 30), zone(NEW_YORK)
    assert wall_to_utc(day, wall, tz) == utc(2026, 11, 1, 5, 30)
    assert wall_to_utc(day, wall, tz, is_end=True) == utc(2026, 11, 1, 6, 30)


def test_a_day_skipped_by_its_zone_begins_where_the_next_one_does() -> None:
    # Samoa skipped 30 December 2011 when it crossed the date line.
    apia = zone("Pacific/Apia")
    assert local_midnight(dt.date(2011, 12, 30), apia) == local_midnight(dt.date(2011, 12, 31), apia)
    assert local_midnight(dt.date(2011, 12, 31), apia) == utc(2011, 12, 30, 10)


def test_a_midnight_that_does_not_exist_is_the_end_of_its_gap() -> None:
    # Havana springs forward at midnight: on 10 March 2024 the clock went from 00:00 CST to 01:00 CDT.
    assert local_midnight(dt.date(2024, 3, 10), "America/Havana") == utc(2024, 3, 10, 5)


def test_local_midnight_takes_a_zone_by_name_or_object_and_defaults_to_the_organisations(settings) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    day = dt.date(2026, 7, 1)
    assert local_midnight(day) == local_midnight(day, "Europe/Berlin") == local_midnight(day, zone("Europe/Berlin"))
    assert local_midnight(day) == utc(2026, 6, 30, 22)


# --- months as UTC instants ------------------------------------------------------------------


def test_the_spring_forward_month_is_an_hour_short() -> None:
    start, end = month_window(dt.date(2026, 3, 15), NEW_YORK)
    assert (start, end) == (utc(2026, 3, 1, 5), utc(2026, 4, 1, 4))
    assert end - start == dt.timedelta(days=31) - HOUR


def test_the_fall_back_month_is_an_hour_long() -> None:
    start, end = month_window(dt.date(2026, 11, 1), NEW_YORK)
    assert (start, end) == (utc(2026, 11, 1, 4), utc(2026, 12, 1, 5))
    assert end - start == dt.timedelta(days=30) + HOUR


@pytest.mark.parametrize(
    ("month", "tz", "minutes"),
    [
        (dt.date(2026, 3, 1), NEW_YORK, 44_580),
        (dt.date(2026, 4, 1), NEW_YORK, 43_200),
        (dt.date(2026, 11, 1), NEW_YORK, 43_260),
        (dt.date(2026, 3, 1), "Europe/Berlin", 44_580),
        (dt.date(2026, 10, 1), "Europe/Berlin", 44_700),
        (dt.date(2026, 2, 1), "UTC", 40_320),
    ],
)
def test_a_month_window_lasts_its_real_minutes_between_local_midnights(month: dt.date, tz: str, minutes: int) -> None:
    start, end = month_window(month, tz)
    assert (end - start) // dt.timedelta(minutes=1) == minutes


def test_december_ends_at_the_next_years_first_local_midnight() -> None:
    assert month_window(dt.date(2026, 12, 31), NEW_YORK) == (utc(2026, 12, 1, 5), utc(2027, 1, 1, 5))


def test_a_month_window_without_a_zone_is_the_organisations(settings) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    assert month_window(dt.date(2026, 4, 1)) == (utc(2026, 3, 31, 15), utc(2026, 4, 30, 15))


def test_the_active_window_runs_from_the_start_date_to_the_end_date_inclusive() -> None:
    april = dt.date(2026, 4, 1)
    assert active_window(april, dt.date(2026, 4, 11), None, NEW_YORK) == (utc(2026, 4, 11, 4), utc(2026, 5, 1, 4))
    assert active_window(april, dt.date(2025, 1, 1), dt.date(2026, 4, 10), NEW_YORK) == (
        utc(2026, 4, 1, 4),
        utc(2026, 4, 11, 4),
    )


def test_the_active_window_is_the_whole_month_for_an_engagement_that_outlives_it() -> None:
    april = dt.date(2026, 4, 1)
    assert active_window(april, dt.date(2025, 1, 1), dt.date.max, NEW_YORK) == month_window(april, NEW_YORK)
    assert active_window(april, dt.date(2025, 1, 1), dt.date(2026, 4, 30), NEW_YORK) == month_window(april, NEW_YORK)


def test_the_active_window_is_none_for_an_engagement_outside_the_month() -> None:
    april = dt.date(2026, 4, 1)
    assert active_window(april, dt.date(2026, 5, 1), None, NEW_YORK) is None
    assert active_window(april, dt.date(2025, 1, 1), dt.date(2026, 3, 31), NEW_YORK) is None


def test_a_late_evening_utc_instant_belongs_to_its_local_month(settings) -> None:
    settings.TIME_ZONE = NEW_YORK
    assert month_of(utc(2026, 5, 1, 2)) == dt.date(2026, 4, 1)
    assert month_of(dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)


def test_today_is_the_organisations_date_not_the_servers(settings) -> None:
    settings.TIME_ZONE = NEW_YORK
    # Three in the morning of New Year's Day in UTC is still New Year's Eve in New York.
    with time_machine.travel(utc(2027, 1, 1, 3), tick=False):
        assert today() == dt.date(2026, 12, 31)
        assert current_month() == dt.date(2026, 12, 1)
        assert months.today() == today()
