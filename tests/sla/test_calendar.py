"""Coverage calendars and SLA clocks: intervals, DST, holidays, pauses, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kernel.months import Interval, month_window, zone
from sla.calendar.clocks import business_elapsed, deadline, evaluate
from sla.calendar.coverage import CoverageCalendar, WorkingInterval, open_intervals
from sla.calendar.intervals import clip, subtract, total, union

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"
NY = zone(NEW_YORK)
BER = zone(BERLIN)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)

# Hypothesis stays modest so the whole file runs in a few seconds, and keeps no
# example database in the working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def at(zone_name: str, *parts: int, fold: int = 0) -> datetime:
    """Build an aware local datetime in a named zone."""
    return datetime(*parts, tzinfo=zone(zone_name), fold=fold)


def office(zone_name: str = NEW_YORK, holidays: frozenset[date] = frozenset()) -> CoverageCalendar:
    """Return a Monday-to-Friday 09:00-17:00 calendar."""
    working = tuple(WorkingInterval(day, time(9), time(17)) for day in range(5))
    return CoverageCalendar(zone_name, always_on=False, working=working, holidays=holidays)


def every_day(zone_name: str, *hours: tuple[time, time | None]) -> CoverageCalendar:
    """Return a calendar open during the same wall-clock hours on all seven days."""
    working = tuple(WorkingInterval(day, start, end) for day in range(7) for start, end in hours)
    return CoverageCalendar(zone_name, always_on=False, working=working)


def elapsed_on_local_day(cal: CoverageCalendar, day: date) -> timedelta:
    """Return the business time of one whole local day."""
    zone = cal.zone
    start, end = datetime.combine(day, time(0), zone), datetime.combine(day + timedelta(1), time(0), zone)
    return business_elapsed(cal, start, end)


# --- intervals -------------------------------------------------------------------


def test_union_merges_overlapping_touching_and_duplicate_intervals_and_drops_empty_ones() -> None:
    a = datetime(2026, 4, 20, 10, tzinfo=UTC)
    first, empty, apart = (a, a + HOUR), (a + 5 * HOUR, a + 5 * HOUR), (a + 3 * HOUR, a + 4 * HOUR)
    spans = [(a + HOUR, a + 2 * HOUR), first, first, empty, apart]
    merged = union(spans)
    assert merged == [(a, a + 2 * HOUR), (a + 3 * HOUR, a + 4 * HOUR)]


def test_union_compares_instants_not_wall_clocks_across_zones() -> None:
    # 10:00 in New York is 16:00 in Berlin: the same instant, so the intervals touch.
    new_york = (at(NEW_YORK, 2026, 4, 20, 9), at(NEW_YORK, 2026, 4, 20, 10))
    berlin = (at(BERLIN, 2026, 4, 20, 16), at(BERLIN, 2026, 4, 20, 17))
    merged = union([new_york, berlin])
    assert merged == [(datetime(2026, 4, 20, 13, tzinfo=UTC), datetime(2026, 4, 20, 15, tzinfo=UTC))]


def test_clip_and_subtract_keep_only_the_requested_parts() -> None:
    a = datetime(2026, 1, 1, tzinfo=UTC)
    spans = [(a, a + 4 * HOUR)]
    assert clip(spans, (a + HOUR, a + 2 * HOUR)) == [(a + HOUR, a + 2 * HOUR)]
    holes = [(a + HOUR, a + 2 * HOUR), (a + 3 * HOUR, a + 9 * HOUR)]
    assert subtract(spans, holes) == [(a, a + HOUR), (a + 2 * HOUR, a + 3 * HOUR)]
    assert total(subtract(spans, [(a - HOUR, a + 9 * HOUR)])) == timedelta(0)


def test_total_of_a_wall_clock_interval_across_a_dst_change_is_real_time() -> None:
    # Python subtracts same-zone datetimes on the wall clock (3 h here); total must not.
    assert total([(at(NEW_YORK, 2026, 3, 8, 1), at(NEW_YORK, 2026, 3, 8, 4))]) == 2 * HOUR


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        union([(datetime(2026, 1, 1), datetime(2026, 1, 2))])


# --- calendar validation ------------------------------------------------------------


def test_an_unknown_zone_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus_Mons'"):
        CoverageCalendar("Mars/Olympus_Mons", always_on=True)
    with pytest.raises(ValueError, match="unknown time zone 'America'"):
        month_window(date(2026, 4, 1), "America")


def test_a_working_interval_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="Monday 17:00-09:00: the end must be after the start"):
        WorkingInterval(0, time(17), time(9))


@pytest.mark.parametrize(
    ("weekday", "start", "message"),
    [
        (7, time(9), "weekday must be 0 \\(Monday\\) to 6 \\(Sunday\\), got 7"),
        (0, time(9, tzinfo=UTC), "wall-clock times in the calendar's zone"),
    ],
)
def test_a_working_interval_needs_a_real_weekday_and_a_wall_clock_time(weekday: int, start: time, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingInterval(weekday, start, time(17))


def test_overlapping_working_intervals_on_one_weekday_are_refused() -> None:
    with pytest.raises(ValueError, match="Tuesday 09:00-12:00 overlaps 11:00-24:00"):
        CoverageCalendar(NEW_YORK, False, (WorkingInterval(1, time(9), time(12)), WorkingInterval(1, time(11))))


def test_touching_working_intervals_and_the_same_hours_on_other_days_are_fine() -> None:
    working = (
        WorkingInterval(1, time(9), time(12)),
        WorkingInterval(1, time(12), time(13)),
        WorkingInterval(2, time(9), time(12)),
    )
    cal = CoverageCalendar(NEW_YORK, False, working)
    assert business_elapsed(cal, at(NEW_YORK, 2026, 4, 21), at(NEW_YORK, 2026, 4, 23)) == 7 * HOUR


# --- daylight saving time -------------------------------------------------------------


def test_one_to_four_am_on_spring_forward_day_in_new_york_is_two_real_hours() -> None:
    cal = every_day(NEW_YORK, (time(1), time(4)))
    assert open_intervals(cal, at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9)) == [
        (datetime(2026, 3, 8, 6, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC))
    ]


def test_one_to_four_am_on_fall_back_day_in_new_york_is_four_real_hours() -> None:
    cal = every_day(NEW_YORK, (time(1), time(4)))
    assert elapsed_on_local_day(cal, date(2026, 11, 1)) == 4 * HOUR
    assert elapsed_on_local_day(cal, date(2026, 11, 2)) == 3 * HOUR


def test_a_start_inside_the_spring_gap_maps_to_the_end_of_the_gap() -> None:
    cal = every_day(NEW_YORK, (time(2, 30), time(5)))
    assert open_intervals(cal, at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9)) == [
        (at(NEW_YORK, 2026, 3, 8, 3).astimezone(UTC), at(NEW_YORK, 2026, 3, 8, 5).astimezone(UTC))
    ]


def test_an_end_inside_the_spring_gap_maps_to_the_end_of_the_gap() -> None:
    cal = every_day(NEW_YORK, (time(0), time(2, 30)))
    assert elapsed_on_local_day(cal, date(2026, 3, 8)) == 2 * HOUR


def test_an_interval_entirely_inside_the_spring_gap_is_closed_that_day() -> None:
    cal = every_day(BERLIN, (time(2, 15), time(2, 45)))
    assert elapsed_on_local_day(cal, date(2026, 3, 29)) == timedelta(0)
    assert elapsed_on_local_day(cal, date(2026, 3, 30)) == 30 * MINUTE


def test_an_ambiguous_start_uses_its_first_occurrence() -> None:
    cal = every_day(NEW_YORK, (time(1, 30), time(3)))
    # 01:30 EDT (05:30 UTC) to 03:00 EST (08:00 UTC).
    assert open_intervals(cal, at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2)) == [
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 8, tzinfo=UTC))
    ]


def test_an_ambiguous_end_uses_its_second_occurrence() -> None:
    cal = every_day(NEW_YORK, (time(0), time(1, 30)))
    # 00:00 EDT (04:00 UTC) to the second 01:30, in EST (06:30 UTC).
    assert open_intervals(cal, at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2)) == [
        (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    ]


def test_touching_intervals_around_a_fold_count_the_overlap_once() -> None:
    cal = every_day(NEW_YORK, (time(0), time(1, 30)), (time(1, 30), time(3)))
    # Wall clock 00:00-03:00 on fall-back day is 4 real hours, not 2.5 + 2.5.
    assert elapsed_on_local_day(cal, date(2026, 11, 1)) == 4 * HOUR


def test_a_whole_day_lasts_twenty_three_or_twenty_five_hours_on_change_days_in_berlin() -> None:
    cal = every_day(BERLIN, (time(0), None))
    assert elapsed_on_local_day(cal, date(2026, 3, 29)) == 23 * HOUR
    assert elapsed_on_local_day(cal, date(2026, 10, 25)) == 25 * HOUR


def test_a_night_shift_across_spring_forward_in_berlin_is_an_hour_short() -> None:
    cal = every_day(BERLIN, (time(0), time(6)), (time(22), None))
    assert business_elapsed(cal, at(BERLIN, 2026, 3, 28, 22), at(BERLIN, 2026, 3, 29, 6)) == 7 * HOUR
    assert business_elapsed(cal, at(BERLIN, 2026, 10, 24, 22), at(BERLIN, 2026, 10, 25, 6)) == 9 * HOUR


def test_office_hours_across_the_spring_forward_week_in_new_york_are_unchanged() -> None:
    # The change happens at 2am on a Sunday; a 9-5 week is still 40 hours.
    assert business_elapsed(office(), at(NEW_YORK, 2026, 3, 6, 12), at(NEW_YORK, 2026, 3, 13, 12)) == 40 * HOUR
    assert business_elapsed(office(BERLIN), at(BERLIN, 2026, 10, 23, 12), at(BERLIN, 2026, 10, 30, 12)) == 40 * HOUR


def test_business_time_from_friday_to_monday_across_spring_forward_counts_only_open_hours() -> None:
    assert business_elapsed(office(), at(NEW_YORK, 2026, 3, 6, 16), at(NEW_YORK, 2026, 3, 9, 10)) == 2 * HOUR


def test_a_deadline_across_fall_back_lands_on_the_right_wall_time() -> None:
    due = deadline(office(BERLIN), at(BERLIN, 2026, 10, 23, 15), 4 * HOUR)
    assert due == at(BERLIN, 2026, 10, 26, 11)


def test_a_deadline_on_a_24x7_calendar_across_spring_forward_is_real_time() -> None:
    due = deadline(CoverageCalendar(NEW_YORK, always_on=True), at(NEW_YORK, 2026, 3, 8, 0), 4 * HOUR)
    assert due.astimezone(NY) == at(NEW_YORK, 2026, 3, 8, 5)


# --- holidays, breaks, pauses -------------------------------------------------------------


def test_a_holiday_closes_the_calendar_for_that_local_date() -> None:
    cal = office(holidays=frozenset({date(2026, 12, 25)}))
    assert business_elapsed(cal, at(NEW_YORK, 2026, 12, 24, 16), at(NEW_YORK, 2026, 12, 28, 10)) == 2 * HOUR
    assert deadline(cal, at(NEW_YORK, 2026, 12, 24, 16), 2 * HOUR) == at(NEW_YORK, 2026, 12, 28, 10)


def test_holidays_are_ignored_by_a_24x7_calendar() -> None:
    cal = CoverageCalendar(NEW_YORK, always_on=True, holidays=frozenset({date(2026, 12, 25)}))
    assert business_elapsed(cal, at(NEW_YORK, 2026, 12, 25), at(NEW_YORK, 2026, 12, 26)) == 24 * HOUR


def test_two_intervals_a_day_skip_the_lunch_break() -> None:
    hours = ((time(9), time(12)), (time(13), time(17)))
    working = tuple(WorkingInterval(day, start, end) for day in range(5) for start, end in hours)
    cal = CoverageCalendar(NEW_YORK, False, working)
    assert business_elapsed(cal, at(NEW_YORK, 2026, 4, 20, 8), at(NEW_YORK, 2026, 4, 20, 18)) == 7 * HOUR
    assert deadline(cal, at(NEW_YORK, 2026, 4, 20, 9), 4 * HOUR) == at(NEW_YORK, 2026, 4, 20, 14)
    # The budget runs out exactly as the morning ends: the earliest such instant is 12:00, not 13:00.
    assert deadline(cal, at(NEW_YORK, 2026, 4, 20, 9), 3 * HOUR) == at(NEW_YORK, 2026, 4, 20, 12)


def test_a_deadline_that_uses_up_a_whole_day_ends_at_close_not_next_morning() -> None:
    assert deadline(office(), at(NEW_YORK, 2026, 4, 20, 9), 8 * HOUR) == at(NEW_YORK, 2026, 4, 20, 17)


def test_a_zero_budget_deadline_is_the_start_even_outside_hours() -> None:
    saturday = at(NEW_YORK, 2026, 4, 18, 3)
    assert deadline(office(), saturday, timedelta(0)) == saturday


def test_a_start_outside_hours_waits_for_the_next_opening() -> None:
    assert deadline(office(), at(NEW_YORK, 2026, 4, 18, 3), MINUTE) == at(NEW_YORK, 2026, 4, 20, 9, 1)


def test_a_pause_overnight_extends_nothing() -> None:
    start = at(NEW_YORK, 2026, 4, 20, 16)
    night = (at(NEW_YORK, 2026, 4, 20, 17), at(NEW_YORK, 2026, 4, 21, 9))
    assert deadline(office(), start, 2 * HOUR, [night]) == at(NEW_YORK, 2026, 4, 21, 10)
    assert deadline(office(), start, 2 * HOUR) == at(NEW_YORK, 2026, 4, 21, 10)
    assert business_elapsed(office(), start, at(NEW_YORK, 2026, 4, 21, 10), [night]) == 2 * HOUR


def test_a_pause_over_the_weekend_subtracts_nothing() -> None:
    start, end = at(NEW_YORK, 2026, 4, 17, 16), at(NEW_YORK, 2026, 4, 20, 10)
    weekend = (at(NEW_YORK, 2026, 4, 17, 17), at(NEW_YORK, 2026, 4, 20, 9))
    assert business_elapsed(office(), start, end, [weekend]) == business_elapsed(office(), start, end) == 2 * HOUR


def test_a_pause_during_open_hours_is_subtracted_and_pushes_the_deadline() -> None:
    start = at(NEW_YORK, 2026, 4, 20, 9)
    pause = (at(NEW_YORK, 2026, 4, 20, 16), at(NEW_YORK, 2026, 4, 21, 10))  # 1 h open on Monday, 1 h on Tuesday
    assert business_elapsed(office(), start, at(NEW_YORK, 2026, 4, 21, 17), [pause]) == 14 * HOUR
    assert deadline(office(), start, 8 * HOUR, [pause]) == at(NEW_YORK, 2026, 4, 21, 11)


def test_overlapping_and_duplicate_pauses_are_subtracted_once() -> None:
    start, end = at(NEW_YORK, 2026, 4, 20, 9), at(NEW_YORK, 2026, 4, 20, 17)
    pauses = [
        (at(NEW_YORK, 2026, 4, 20, 10), at(NEW_YORK, 2026, 4, 20, 12)),
        (at(NEW_YORK, 2026, 4, 20, 11), at(NEW_YORK, 2026, 4, 20, 13)),
        (at(NEW_YORK, 2026, 4, 20, 11), at(NEW_YORK, 2026, 4, 20, 13)),
    ]
    assert business_elapsed(office(), start, end, pauses) == 5 * HOUR
    assert deadline(office(), start, 5 * HOUR, pauses) == end


def test_business_time_is_zero_when_the_end_is_not_after_the_start() -> None:
    start = at(NEW_YORK, 2026, 4, 20, 12)
    assert business_elapsed(office(), start, start) == timedelta(0)
    assert business_elapsed(office(), start, start - HOUR) == timedelta(0)


def test_a_negative_budget_has_no_deadline() -> None:
    with pytest.raises(ValueError, match="budget must not be negative"):
        deadline(office(), at(NEW_YORK, 2026, 4, 6, 9), -HOUR)


def test_a_calendar_without_hours_never_reaches_a_deadline() -> None:
    closed = CoverageCalendar(NEW_YORK, always_on=False)
    assert business_elapsed(closed, at(NEW_YORK, 2026, 1, 1), at(NEW_YORK, 2027, 1, 1)) == timedelta(0)
    with pytest.raises(ValueError, match="no working hours"):
        deadline(closed, at(NEW_YORK, 2026, 1, 1), MINUTE)


def test_a_deadline_a_year_away_is_the_inverse_of_elapsed() -> None:
    cal = office(holidays=frozenset({date(2026, 7, 3), date(2026, 12, 25)}))
    start = at(NEW_YORK, 2026, 1, 5, 9)
    pauses = [(at(NEW_YORK, 2026, 2, 2, 10), at(NEW_YORK, 2026, 2, 4, 12))]
    due = deadline(cal, start, 2_000 * HOUR, pauses)
    assert due.astimezone(NY).year == 2026
    assert business_elapsed(cal, start, due, pauses) == 2_000 * HOUR


# --- clocks ------------------------------------------------------------------------------


def test_a_running_clock_under_its_target_is_neither_met_nor_breached() -> None:
    result = evaluate(office(), at(NEW_YORK, 2026, 4, 20, 9), None, at(NEW_YORK, 2026, 4, 20, 12), 4 * HOUR)
    assert (result.elapsed, result.met, result.breached, result.slack) == (3 * HOUR, None, False, HOUR)


def test_a_running_clock_past_its_target_is_breached_and_stays_breached_when_stopped() -> None:
    start, now = at(NEW_YORK, 2026, 4, 20, 9), at(NEW_YORK, 2026, 4, 20, 14)
    running = evaluate(office(), start, None, now, 4 * HOUR)
    stopped = evaluate(office(), start, at(NEW_YORK, 2026, 4, 22, 9), at(NEW_YORK, 2026, 4, 23), 4 * HOUR)
    assert (running.met, running.breached, running.slack) == (False, True, -HOUR)
    assert (stopped.met, stopped.breached) == (False, True)


def test_a_clock_stopped_exactly_at_its_target_is_met() -> None:
    start = at(NEW_YORK, 2026, 4, 20, 9)
    result = evaluate(office(), start, at(NEW_YORK, 2026, 4, 21, 9), at(NEW_YORK, 2026, 5, 1), 8 * HOUR)
    assert (result.elapsed, result.met, result.breached, result.slack) == (8 * HOUR, True, False, timedelta(0))


def test_a_clock_stopped_one_microsecond_past_its_target_is_breached() -> None:
    start = at(NEW_YORK, 2026, 4, 20, 9)
    stop, now = at(NEW_YORK, 2026, 4, 20, 16), at(NEW_YORK, 2026, 5, 1)
    result = evaluate(office(), start, stop, now, 7 * HOUR - MICROSECOND)
    assert (result.met, result.breached, result.slack) == (False, True, -MICROSECOND)


# --- properties ----------------------------------------------------------------------------

ZONES = ("UTC", NEW_YORK, BERLIN, "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata")
# 2026 days on which one of ZONES changes its clocks (Lord Howe by 30 minutes,
# Santiago at midnight), so generated instants cluster around gaps and folds.
CHANGE_DAYS = (
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 9, 6),
    date(2026, 6, 15),
)
QUARTERS_A_DAY = 96


def quarter(index: int) -> time | None:
    """Return the wall time of a quarter-hour mark, None for 24:00."""
    return None if index == QUARTERS_A_DAY else time(index // 4, 15 * (index % 4))


# One day's opening hours: up to three intervals between quarter-hour marks
# (an odd mark out is dropped, hence strict=False).
day_hours = st.sets(st.integers(0, QUARTERS_A_DAY), max_size=6).map(
    lambda marks: [(start, end) for start, end in zip(*[iter(sorted(marks))] * 2, strict=False)]
)


@st.composite
def weekly_hours(draw: st.DrawFn) -> tuple[WorkingInterval, ...]:
    """Draw working intervals for a week, reusing a few daily patterns as real calendars do."""
    patterns = draw(st.lists(day_hours, min_size=1, max_size=3))
    choices = draw(st.lists(st.integers(0, len(patterns)), min_size=7, max_size=7))  # len(patterns): closed
    return tuple(
        WorkingInterval(weekday, quarter(start) or time(0), quarter(end))
        for weekday, choice in enumerate(choices)
        if choice < len(patterns)
        for start, end in patterns[choice]
    )


@st.composite
def calendars(draw: st.DrawFn, zone_name: str, around: date, always_on: bool | None = None) -> CoverageCalendar:
    """Draw a 24x7 or working-hours calendar in a zone, with holidays near a date."""
    if always_on is None:
        always_on = draw(st.integers(0, 3)) == 0
    if always_on:
        return CoverageCalendar(zone_name, always_on=True)
    working = draw(weekly_hours())
    holidays = draw(st.frozensets(st.integers(-10, 20).map(lambda n: around + timedelta(n)), max_size=4))
    return CoverageCalendar(zone_name, always_on=False, working=working, holidays=holidays)


Scenario = tuple[CoverageCalendar, datetime]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Draw a calendar in a DST-prone zone and a UTC instant at local midnight of a 2026 clock-change day."""
    zone_name, day = draw(st.sampled_from(ZONES)), draw(st.sampled_from(CHANGE_DAYS))
    anchor = datetime.combine(day, time(0), zone(zone_name)).astimezone(UTC)
    return draw(calendars(zone_name, day)), anchor


def offsets(days: int = 10) -> st.SearchStrategy[timedelta]:
    """Draw offsets on quarter hours (to hit interval edges) or to the microsecond."""
    quarters = st.integers(-days * 96, days * 96).map(lambda n: n * timedelta(minutes=15))
    micros = st.integers(-days * 86_400_000_000, days * 86_400_000_000).map(lambda n: n * MICROSECOND)
    return st.one_of(quarters, micros)


# Up to 30 hours, in seconds or to the microsecond.
budgets = st.integers(0, 30 * 60 * 60).map(lambda n: n * timedelta(seconds=1)) | st.integers(0, 10**11).map(
    lambda n: n * MICROSECOND
)


def pause_lists(anchor: datetime) -> st.SearchStrategy[list[Interval]]:
    """Draw possibly overlapping pauses near anchor."""
    pause = st.tuples(offsets(), st.integers(0, 3 * 96).map(lambda n: n * timedelta(minutes=15)))
    return st.lists(pause.map(lambda p: (anchor + p[0], anchor + p[0] + p[1])), max_size=4)


@PROPERTY
@given(scenarios(), offsets(), offsets(), offsets(), st.data())
def test_business_time_adds_up_across_any_split_point(
    scenario: Scenario, x: timedelta, y: timedelta, z: timedelta, data: st.DataObject
) -> None:
    cal, anchor = scenario
    a, b, c = sorted((anchor + x, anchor + y, anchor + z))
    pauses = data.draw(pause_lists(anchor))
    whole = business_elapsed(cal, a, c, pauses)
    assert whole == business_elapsed(cal, a, b, pauses) + business_elapsed(cal, b, c, pauses)


@PROPERTY
@given(scenarios(), offsets(), budgets, st.data())
def test_deadline_is_the_earliest_instant_at_which_elapsed_reaches_the_budget(
    scenario: Scenario, x: timedelta, budget: timedelta, data: st.DataObject
) -> None:
    cal, anchor = scenario
    assume(not cal.never_open())
    start, pauses = anchor + x, data.draw(pause_lists(anchor))
    due = deadline(cal, start, budget, pauses)
    assert business_elapsed(cal, start, due, pauses) == budget
    if budget:
        just_before = business_elapsed(cal, start, due - MICROSECOND, pauses)
        assert just_before < budget


@PROPERTY
@given(scenarios(), offsets(), offsets(), st.data())
def test_the_deadline_of_an_elapsed_time_comes_no_later_than_its_end(
    scenario: Scenario, x: timedelta, y: timedelta, data: st.DataObject
) -> None:
    cal, anchor = scenario
    assume(not cal.never_open())
    start, end = sorted((anchor + x, anchor + y))
    pauses = data.draw(pause_lists(anchor))
    used = business_elapsed(cal, start, end, pauses)
    due = deadline(cal, start, used, pauses)
    assert due <= end
    assert business_elapsed(cal, start, due, pauses) == used


@PROPERTY
@given(scenarios(), offsets(), offsets())
def test_business_time_never_exceeds_real_time(scenario: Scenario, x: timedelta, y: timedelta) -> None:
    cal, anchor = scenario
    start, end = sorted((anchor + x, anchor + y))
    business_time = business_elapsed(cal, start, end)
    assert business_time <= end - start


@PROPERTY
@given(st.sampled_from(ZONES), st.sampled_from(CHANGE_DAYS), offsets(), offsets(), st.data())
def test_a_24x7_calendar_counts_real_time_minus_pauses(
    zone_name: str, day: date, x: timedelta, y: timedelta, data: st.DataObject
) -> None:
    # Anchor in UTC: subtracting two New York datetimes would use the wall clock.
    anchor = datetime.combine(day, time(0), zone(zone_name)).astimezone(UTC)
    start, end = sorted((anchor + x, anchor + y))
    cal = CoverageCalendar(zone_name, always_on=True)
    assert business_elapsed(cal, start, end) == end - start
    pauses = data.draw(pause_lists(anchor))
    assert business_elapsed(cal, start, end, pauses) == end - start - total(clip(pauses, (start, end)))


@PROPERTY
@given(st.sampled_from(ZONES), st.sampled_from(CHANGE_DAYS), offsets(), offsets())
def test_a_calendar_open_midnight_to_midnight_every_day_equals_24x7(
    zone_name: str, day: date, x: timedelta, y: timedelta
) -> None:
    # Anchor in UTC: subtracting two New York datetimes would use the wall clock.
    anchor = datetime.combine(day, time(0), zone(zone_name)).astimezone(UTC)
    start, end = sorted((anchor + x, anchor + y))
    assert business_elapsed(every_day(zone_name, (time(0), None)), start, end) == end - start


@PROPERTY
@given(scenarios(), offsets(), offsets())
def test_open_intervals_are_sorted_disjoint_utc_and_inside_the_window(
    scenario: Scenario, x: timedelta, y: timedelta
) -> None:
    cal, anchor = scenario
    start, end = sorted((anchor + x, anchor + y))
    spans = open_intervals(cal, start, end)
    assert all(s.tzinfo is UTC and e.tzinfo is UTC and start <= s < e <= end for s, e in spans)
    assert all(earlier[1] < later[0] for earlier, later in pairwise(spans))


@PROPERTY
@given(st.sampled_from(("UTC", "Asia/Kolkata", NEW_YORK, BERLIN)), st.data())
def test_without_a_fold_an_instant_is_open_exactly_when_its_wall_clock_is_in_working_hours(
    zone_name: str, data: st.DataObject
) -> None:
    # Away from folds the wall-clock reading is unique, so a direct lookup is an
    # independent oracle; spring-forward weeks exercise the gap rule.
    day = data.draw(st.sampled_from((date(2026, 3, 8), date(2026, 3, 29), date(2026, 7, 1))))
    cal = data.draw(calendars(zone_name, day, always_on=False))
    zone = cal.zone
    instant = datetime.combine(day, time(0), zone).astimezone(UTC) + data.draw(offsets(3))
    wall = instant.astimezone(zone)
    reading = wall.time()
    expected = wall.date() not in cal.holidays and any(
        wi.weekday == wall.weekday() and wi.start <= reading and wi.ends_after(reading) for wi in cal.working
    )
    spans = open_intervals(cal, instant - timedelta(days=2), instant + timedelta(days=2))
    assert any(s <= instant < e for s, e in spans) == expected


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
interval_lists = st.lists(
    st.tuples(st.integers(0, 500), st.integers(0, 100)).map(
        lambda p: (EPOCH + p[0] * MINUTE, EPOCH + (p[0] + p[1]) * MINUTE)
    ),
    max_size=12,
)


@PROPERTY
@given(interval_lists)
def test_union_is_idempotent_and_never_grows_the_total(spans: list[Interval]) -> None:
    merged = union(spans)
    assert union(merged) == merged
    assert total(merged) <= total(spans)
    assert all(earlier[1] < later[0] for earlier, later in pairwise(merged))
    # Every instant covered by an input is covered by the union, and vice versa.
    for s, e in spans:
        if e > s:
            assert any(ms <= s and e <= me for ms, me in merged)


@PROPERTY
@given(interval_lists, interval_lists)
def test_subtract_leaves_exactly_the_uncovered_part(spans: list[Interval], holes: list[Interval]) -> None:
    rest = subtract(spans, holes)
    covered = sum((total(clip(holes, span)) for span in union(spans)), timedelta(0))
    assert total(rest) == total(union(spans)) - covered
    assert all(not clip(holes, span) for span in rest)
