"""Uptime, downtime and service-credit maths, including the worked example of domain.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.money import round_pct
from kernel.months import active_window, month_window, zone
from sla.calendar.credits import CreditTier, credit_pct, validate_tiers
from sla.calendar.intervals import total
from sla.calendar.uptime import downtime, uptime_met, uptime_pct

NEW_YORK = "America/New_York"
NY = zone(NEW_YORK)
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)
TIERS = (
    CreditTier(below_pct=Decimal("99.900"), credit_pct=Decimal("10")),
    CreditTier(below_pct=Decimal("99.000"), credit_pct=Decimal("25")),
    CreditTier(below_pct=Decimal("95.000"), credit_pct=Decimal("100")),
)
HUNDRED = Decimal("100")


def ny(*parts: int) -> datetime:
    """Build an aware New York datetime."""
    return datetime(*parts, tzinfo=NY)


def utc_month_with_downtime(year: int, month: int, down: timedelta) -> Decimal | None:
    """Return the uptime of a UTC month with one outage of the given length."""
    window = month_window(date(year, month, 1), "UTC")
    return uptime_pct(window, [(window[0], window[0] + down)])


# --- the worked example ---------------------------------------------------------------


def test_the_worked_example_has_28800_active_minutes() -> None:
    window = active_window(date(2026, 4, 1), date(2026, 4, 11), None, NEW_YORK)
    assert window is not None
    assert total([window]) == 28_800 * MINUTE


def test_the_worked_example_merges_its_outages_to_ninety_minutes() -> None:
    window = active_window(date(2026, 4, 1), date(2026, 4, 11), None, NEW_YORK)
    assert window is not None
    outages = [(ny(2026, 4, 20, 10), ny(2026, 4, 20, 11)), (ny(2026, 4, 20, 10, 30), ny(2026, 4, 20, 11, 30))]
    assert downtime(outages, window) == 90 * MINUTE


def test_the_worked_example_uptime_is_exactly_99_6875_reported_99_688_with_a_10_pct_credit() -> None:
    window = active_window(date(2026, 4, 1), date(2026, 4, 11), None, NEW_YORK)
    assert window is not None
    outages = [(ny(2026, 4, 20, 10), ny(2026, 4, 20, 11)), (ny(2026, 4, 20, 10, 30), ny(2026, 4, 20, 11, 30))]
    uptime = uptime_pct(window, outages)
    assert uptime == Decimal("99.6875")
    assert str(round_pct(uptime)) == "99.688"
    assert credit_pct(uptime, TIERS, HUNDRED) == Decimal("10")
    assert uptime_met(uptime, Decimal("99.900")) is False


# --- downtime -----------------------------------------------------------------------------


def test_duplicate_outages_count_once() -> None:
    window = month_window(date(2026, 4, 1), NEW_YORK)
    outage = (ny(2026, 4, 2, 9), ny(2026, 4, 2, 10))
    assert downtime([outage, outage, outage], window) == 60 * MINUTE


def test_overlapping_and_nested_outages_are_merged() -> None:
    window = month_window(date(2026, 4, 1), NEW_YORK)
    outages = [
        (ny(2026, 4, 2, 9), ny(2026, 4, 2, 12)),
        (ny(2026, 4, 2, 10), ny(2026, 4, 2, 11)),
        (ny(2026, 4, 2, 11, 30), ny(2026, 4, 2, 13)),
    ]
    assert downtime(outages, window) == 240 * MINUTE


def test_an_open_outage_counts_to_the_end_of_the_window() -> None:
    window = month_window(date(2026, 4, 1), NEW_YORK)
    assert downtime([(ny(2026, 4, 30, 22), None)], window) == 120 * MINUTE
    assert downtime([(ny(2026, 5, 2), None)], window) == timedelta(0)


def test_an_outage_across_a_month_boundary_is_split_between_the_months() -> None:
    outage = [(ny(2026, 3, 31, 23), ny(2026, 4, 1, 1))]
    assert downtime(outage, month_window(date(2026, 3, 1), NEW_YORK)) == 60 * MINUTE
    assert downtime(outage, month_window(date(2026, 4, 1), NEW_YORK)) == 60 * MINUTE


def test_an_open_outage_that_began_last_month_fills_this_month() -> None:
    window = month_window(date(2026, 4, 1), NEW_YORK)
    assert uptime_pct(window, [(ny(2026, 3, 15), None)]) == Decimal(0)


def test_an_outage_before_the_engagement_started_does_not_count() -> None:
    window = active_window(date(2026, 4, 1), date(2026, 4, 11), None, NEW_YORK)
    assert window is not None
    assert uptime_pct(window, [(ny(2026, 4, 5, 10), ny(2026, 4, 5, 12))]) == HUNDRED


def test_an_empty_window_has_no_uptime() -> None:
    start = datetime(2026, 4, 1, tzinfo=UTC)
    assert uptime_pct((start, start), []) is None
    assert credit_pct(None, TIERS, HUNDRED) == Decimal(0)
    assert uptime_met(None, Decimal("99.9")) is None


def test_an_outage_spanning_a_dst_change_counts_real_minutes() -> None:
    # 01:00-04:00 local on spring-forward day is 2 real hours of downtime.
    window = month_window(date(2026, 3, 1), NEW_YORK)
    assert downtime([(ny(2026, 3, 8, 1), ny(2026, 3, 8, 4))], window) == 120 * MINUTE


# --- thresholds and credits -----------------------------------------------------------------


def test_uptime_exactly_at_the_target_gets_no_credit() -> None:
    # 43.2 minutes down in a 30-day month (43,200 minutes) is exactly 99.9%.
    uptime = utc_month_with_downtime(2026, 4, timedelta(minutes=43, seconds=12))
    assert uptime == Decimal("99.9")
    assert uptime_met(uptime, Decimal("99.900")) is True
    assert credit_pct(uptime, TIERS, HUNDRED) == Decimal(0)


def test_one_microsecond_more_downtime_falls_into_the_first_tier() -> None:
    uptime = utc_month_with_downtime(2026, 4, timedelta(minutes=43, seconds=12, microseconds=1))
    assert uptime is not None and uptime < Decimal("99.9")
    assert round_pct(uptime) == Decimal("99.900")  # the report rounds; the verdict does not
    assert credit_pct(uptime, TIERS, HUNDRED) == Decimal("10")


def test_44_minutes_down_meets_99_9_in_a_31_day_month_and_misses_it_in_a_30_day_month() -> None:
    july = utc_month_with_downtime(2026, 7, 44 * MINUTE)
    june = utc_month_with_downtime(2026, 6, 44 * MINUTE)
    assert uptime_met(july, Decimal("99.9")) is True
    assert uptime_met(june, Decimal("99.9")) is False
    assert credit_pct(july, TIERS, HUNDRED) == Decimal(0)
    assert credit_pct(june, TIERS, HUNDRED) == Decimal("10")


@pytest.mark.parametrize(
    ("uptime", "credit"),
    [
        ("100", "0"),
        ("99.9", "0"),
        ("99.8999", "10"),
        ("99.0", "10"),
        ("98.9999", "25"),
        ("95", "25"),
        ("94.9999", "100"),
        ("0", "100"),
    ],
)
def test_exactly_one_half_open_tier_applies(uptime: str, credit: str) -> None:
    assert credit_pct(Decimal(uptime), TIERS, HUNDRED) == Decimal(credit)


def test_tiers_may_be_given_in_any_order() -> None:
    assert credit_pct(Decimal("96"), tuple(reversed(TIERS)), HUNDRED) == Decimal("25")


def test_the_credit_is_capped_at_the_policy_maximum() -> None:
    assert credit_pct(Decimal("50"), TIERS, Decimal("30")) == Decimal("30")
    assert credit_pct(Decimal("99.5"), TIERS, Decimal("30")) == Decimal("10")


def test_no_tiers_means_no_credit() -> None:
    assert credit_pct(Decimal("12.5"), (), HUNDRED) == Decimal(0)


def test_tiers_sharing_a_threshold_are_refused() -> None:
    with pytest.raises(ValueError, match="thresholds must differ"):
        validate_tiers([CreditTier(Decimal("99"), Decimal("10")), CreditTier(Decimal("99.0"), Decimal("20"))])


def test_tiers_whose_credit_does_not_rise_as_uptime_falls_are_refused() -> None:
    with pytest.raises(ValueError, match="tiers must descend"):
        validate_tiers([CreditTier(Decimal("99.9"), Decimal("25")), CreditTier(Decimal("99"), Decimal("10"))])
    with pytest.raises(ValueError, match="tiers must descend"):
        validate_tiers([CreditTier(Decimal("99.9"), Decimal("10")), CreditTier(Decimal("99"), Decimal("10"))])


@pytest.mark.parametrize(("below", "credit"), [("0", "10"), ("-1", "10"), ("100.1", "10"), ("99", "0"), ("99", "101")])
def test_tier_percents_outside_zero_to_a_hundred_are_refused(below: str, credit: str) -> None:
    with pytest.raises(ValueError, match="must be above 0 and at most 100"):
        validate_tiers([CreditTier(Decimal(below), Decimal(credit))])


def test_a_maximum_credit_outside_zero_to_a_hundred_is_refused() -> None:
    with pytest.raises(ValueError, match="maximum credit percent"):
        credit_pct(Decimal("90"), TIERS, Decimal("150"))


def test_a_tier_threshold_of_a_hundred_is_valid() -> None:
    validate_tiers([CreditTier(HUNDRED, Decimal("5"))])
    assert credit_pct(Decimal("99.99999"), [CreditTier(HUNDRED, Decimal("5"))], HUNDRED) == Decimal("5")


# --- rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reported"),
    [
        ("99.6875", "99.688"),
        ("99.6874999", "99.687"),
        ("99.9995", "100.000"),
        ("100", "100.000"),
        ("0.0005", "0.001"),
    ],
)
def test_percentages_are_reported_to_three_places_half_up(value: str, reported: str) -> None:
    assert str(round_pct(Decimal(value))) == reported


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(st.tuples(st.integers(-600, 44_000), st.integers(0, 2_000) | st.none()), max_size=8),
    st.sampled_from(("UTC", NEW_YORK, "Europe/Berlin")),
    st.integers(1, 12),
)
def test_uptime_stays_between_zero_and_a_hundred_and_matches_the_downtime(
    raw: list[tuple[int, int | None]], zone_name: str, month: int
) -> None:
    window = month_window(date(2026, month, 1), zone_name)
    outages = [
        (window[0] + start * MINUTE, None if length is None else window[0] + (start + length) * MINUTE)
        for start, length in raw
    ]
    uptime = uptime_pct(window, outages)
    assert uptime is not None and Decimal(0) <= uptime <= HUNDRED
    down_us, length_us = downtime(outages, window) // MICROSECOND, total([window]) // MICROSECOND
    assert (uptime == HUNDRED) == (down_us == 0)
    with localcontext(prec=60):
        assert abs((HUNDRED - uptime) * length_us / HUNDRED - down_us) < Decimal("1e-20")
