"""The scenario projection on hand-computed figures (issue 14), and its invariants on random inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.projection import (
    HYBRID,
    MANAGED,
    STAFF_AUG,
    Quote,
    Realized,
    break_even,
    cumulative,
    fit_trend,
    hindsight,
    phase_totals,
    project,
    quote_scope,
    rounded,
    sentence,
    spread_onboarding,
)

D = Decimal
JUNE, JULY = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
# The issue's realized data: 100, 110, ..., 150 h at 100.00/h, a 12% overhead ratio; the
# organisation's managed overhead ratio 5%.
ISSUE = Realized(
    base_month=JUNE,
    history_months=tuple(dt.date(2026, m, 1) for m in range(1, 7)),
    history_hours=tuple(D(h) for h in (100, 110, 120, 130, 140, 150)),
    mean_rate=D("100.00"),
    staff_overhead_pct=D("12.000"),
    managed_overhead_pct=D("5.000"),
)
# The issue's quote: 9,000.00/month, 10,000.00 onboarding over 2 months, 2% credit, hybrid keeps 30%.
QUOTE = Quote(
    start_month=JULY,
    managed_fee=D("9000.00"),
    onboarding_charges=D("10000.00"),
    onboarding_months=2,
    credit_pct=D("2.000"),
    hours_kept_pct=D("30.000"),
)


def test_the_trend_of_100_to_150_hours_projects_month_7_at_160_hours_and_its_overhead() -> None:
    projection = project(ISSUE, QUOTE)
    assert projection.trend.slope == 10 and projection.trend.intercept == 90 and projection.trend.sigma == 0
    assert projection.hours[:3] == [D("160.00"), D("170.00"), D("180.00")]
    # 160 h x 100.00 = 16,000.00, overhead 12% = 1,920.00.
    assert projection.plans[STAFF_AUG].monthly[0] == D("17920.00")
    assert projection.current.monthly[0] == D("17920.00")
    assert projection.hours[-1] == D("390.00")  # month 24: x = 30


def test_the_managed_plan_runs_the_current_plan_during_onboarding_then_the_fee_less_credits() -> None:
    managed = project(ISSUE, QUOTE).plans[MANAGED]
    # Months 1-2: the current plan (17,920.00; 19,040.00) plus 5,000.00 of onboarding each.
    assert managed.monthly[:2] == [D("22920.00"), D("24040.00")]
    # From month 3: 9,000.00 + 5% overhead 450.00 - 2% credit 180.00.
    assert managed.monthly[2:] == [D("9270.00")] * 22
    assert managed.phases == {"m1_6": D("84040.00"), "m7_12": D("55620.00"), "m13_24": D("111240.00")}
    assert managed.total == D("250900.00")
    # Cumulative 56,230.00 against the current plan's 57,120.00 in month 3.
    assert managed.cumulative[2] == D("56230.00")
    assert managed.break_even_month == 3
    assert managed.saving == D("488300.00")  # 739,200.00 - 250,900.00


def test_the_hybrid_keeps_30_percent_of_the_hours_beside_the_fee() -> None:
    hybrid = project(ISSUE, QUOTE).plans[HYBRID]
    # Month 3: 180 h x 30% = 54 h: 5,400.00 + 12% 648.00 + 9,270.00.
    assert hybrid.monthly[:4] == [D("22920.00"), D("24040.00"), D("15318.00"), D("15654.00")]
    assert hybrid.phases == {"m1_6": D("110248.00"), "m7_12": D("105012.00"), "m13_24": D("246312.00")}
    assert hybrid.total == D("461572.00")
    # Month 3: 62,278.00 > 57,120.00; month 4: 77,932.00 <= 78,400.00.
    assert hybrid.break_even_month == 4


def test_the_current_plan_and_its_phases() -> None:
    current = project(ISSUE, QUOTE).current
    # Month t costs (150 + 10t) h x 112.00.
    assert current.phases == {"m1_6": D("124320.00"), "m7_12": D("164640.00"), "m13_24": D("450240.00")}
    assert current.total == D("739200.00")


def test_the_sentence_a_leader_repeats() -> None:
    projection = project(ISSUE, QUOTE)
    assert sentence("Help desk", MANAGED, QUOTE, projection, "USD") == (
        "Moving the Help desk to a managed service at USD 9,000/month would save USD 40,300 in months 1-6 "
        "and break even in month 3; over 24 months it saves USD 488,300."
    )
    assert sentence("Help desk", HYBRID, QUOTE, projection, "USD").startswith(
        "Moving the Help desk to a hybrid (a managed service at USD 9,000/month plus 30% of the staff-aug hours)"
    )


def test_a_dear_quote_costs_more_early_and_never_breaks_even_with_a_band() -> None:
    noisy = Realized(
        base_month=JUNE,
        history_months=ISSUE.history_months,
        history_hours=tuple(D(h) for h in (100, 120, 100, 120, 100, 120)),
        mean_rate=D("100.00"),
        staff_overhead_pct=D("10.000"),
    )
    quote = Quote(start_month=JULY, managed_fee=D("20000.00"), onboarding_charges=D("5000.00"), onboarding_months=1)
    projection = project(noisy, quote)
    managed = projection.plans[MANAGED]
    assert managed.break_even_month is None
    assert projection.band_delta > 0 and managed.saving_band == projection.band_delta * 23
    text = sentence("Help desk", MANAGED, quote, projection, "EUR")
    assert "would cost EUR 5,000 more in months 1-6" not in text  # month 1 adds onboarding only
    assert "and not break even within 24 months; over 24 months it costs EUR" in text and "more +/- " in text


def test_the_same_cost_in_the_first_months_reads_as_such() -> None:
    quote = Quote(start_month=JULY, managed_fee=D("0.00"), onboarding_months=6)
    text = sentence("Help desk", MANAGED, quote, project(ISSUE, quote), "USD")
    # Months 1-6 only equal the current plan (it keeps running during onboarding): month 7 is the first cheaper one.
    assert "would cost the same in months 1-6 and break even in month 7" in text


def test_a_plan_equal_to_the_current_plan_during_onboarding_and_dearer_after_never_breaks_even() -> None:
    """QA B1: a managed-only area re-quoted at about its fee was said to "break even in month 1"."""
    managed_only = Realized(base_month=JUNE, current_managed=D("6000.00"), managed_overhead_pct=D("1.000"))
    quote = Quote(start_month=JULY, managed_fee=D("6000.00"), onboarding_months=2)
    projection = project(managed_only, quote)
    managed = projection.plans[MANAGED]
    # Months 1-2: the current plan (6,000.00); then 6,000.00 + 1% overhead = 6,060.00 a month.
    assert managed.monthly[:3] == [D("6000.00"), D("6000.00"), D("6060.00")]
    assert managed.break_even_month is None and projection.plans[HYBRID].break_even_month is None
    assert projection.current.break_even_month is None  # equal to itself throughout: no break-even
    text = sentence("Help desk", MANAGED, quote, projection, "USD")
    assert text == (
        "Re-quoting the Help desk's managed service at USD 6,000/month would cost USD 200 more in months 1-6 "
        "and not break even within 24 months; over 24 months it costs USD 1,300 more."
    )


def test_staff_aug_from_hours_a_month_and_a_later_start() -> None:
    quote = Quote(start_month=dt.date(2026, 9, 1), managed_fee=D("1.00"), one_time_costs=D("2500.00"))
    projection = project(ISSUE, quote)
    # Starting in September: two months after the base month's successor, x = 9 -> 180 h.
    assert projection.hours[0] == D("180.00")
    staff = projection.plans[STAFF_AUG]
    assert staff.monthly[0] == D("20160.00") + D("2500.00")
    assert staff.break_even_month is None and staff.saving == D("-2500.00")
    text = sentence("Help desk", STAFF_AUG, quote, projection, "USD")
    # The area runs staff augmentation today: the plan keeps it (only the one-time costs change).
    assert text.startswith(
        "Keeping the Help desk on staff augmentation (about 180 h in month 1) would cost USD 2,500 more"
    )
    assert quote_scope(STAFF_AUG, quote, projection, "USD") == ""


def test_an_area_without_staff_aug_hours_has_no_staff_aug_plan() -> None:
    managed_only = Realized(base_month=JUNE, current_managed=D("12000.00"), managed_overhead_pct=D("3.000"))
    quote = Quote(start_month=JULY, managed_fee=D("10000.00"), onboarding_charges=D("3000.00"), onboarding_months=0)
    projection = project(managed_only, quote)
    assert not projection.plans[STAFF_AUG].available and projection.notes
    assert projection.current.monthly == [D("12000.00")] * 24
    # No onboarding months: the charges fall in month 1 with the first fee.
    assert projection.plans[MANAGED].monthly[0] == D("10000.00") + D("300.00") + D("3000.00")
    assert "no staff-aug hours" in sentence("ERP", STAFF_AUG, quote, projection, "USD")
    # Already managed: the plan is a new quote for the same service, and the page says what it replaces.
    assert sentence("ERP", HYBRID, quote, projection, "USD").startswith("Re-quoting the ERP's managed service at")
    assert quote_scope(MANAGED, quote, projection, "USD") == (
        "The quoted fee replaces today's managed fee; the current plan holds today's managed cost "
        "(fee + our overhead - credits: USD 12,000.00/month) flat."
    )


def test_a_hybrid_area_says_the_staff_aug_plan_prices_hours_only() -> None:
    hybrid_area = Realized(**{**ISSUE.__dict__, "current_managed": D("5000.00")})
    projection = project(hybrid_area, QUOTE)
    assert projection.current.monthly[0] == D("22920.00")
    assert any("managed service today" in note for note in projection.notes)
    assert projection.today == (STAFF_AUG, MANAGED)
    assert sentence("Help desk", STAFF_AUG, QUOTE, projection, "USD").startswith(
        "Moving the Help desk to staff augmentation (about 160 h in month 1)"
    )
    # QA B3: the fee replaces the staff-aug work too; month 1: 160 h x 100.00 = 16,000.00.
    assert quote_scope(MANAGED, QUOTE, projection, "USD") == (
        "The quoted fee must cover the work of today's staff-aug hours (about 160 h, USD 16,000.00 at the mean "
        "bill rate in month 1) as well as what today's managed service does; a quote for less leaves that work "
        "out and overstates the saving."
    )
    # The hybrid moves 70% of them: 112 h, 11,200.00.
    assert quote_scope(HYBRID, QUOTE, projection, "USD").startswith(
        "The quoted fee must cover the work of the 70% of staff-aug hours it moves (about 112 h, USD 11,200.00 "
    )


def test_a_staff_aug_area_moving_to_managed_is_told_what_the_quote_covers() -> None:
    projection = project(ISSUE, QUOTE)
    assert projection.today == (STAFF_AUG,)
    text = quote_scope(MANAGED, QUOTE, projection, "USD")
    assert "(about 160 h, USD 16,000.00 at the mean bill rate in month 1); a quote for less" in text
    empty = Realized(base_month=JUNE)
    nothing = project(empty, QUOTE)
    assert nothing.today == () and quote_scope(MANAGED, QUOTE, nothing, "USD") == ""
    # QA C3: a start before the area's data is said, not silently projected against 0.
    assert "The area has no cost in the six months before the start: the current plan costs 0." in nothing.notes


def test_a_declining_trend_is_floored_at_zero_hours() -> None:
    falling = Realized(
        base_month=JUNE, history_hours=tuple(D(h) for h in (150, 120, 90, 60, 30, 10)), mean_rate=D("80.00")
    )
    projection = project(falling, QUOTE)
    assert projection.hours[-1] == 0 and min(projection.hours) == 0
    assert all(value >= 0 for value in projection.plans[STAFF_AUG].monthly)


def test_onboarding_spread_gives_the_remainder_to_the_last_month() -> None:
    assert spread_onboarding(D("100.00"), 3) == [D("33.33"), D("33.33"), D("33.34")]
    assert spread_onboarding(D("100.00"), 0) == [D("100.00")]


def test_trend_of_nothing_and_of_one_month() -> None:
    assert fit_trend([]).months_used == 0
    one = fit_trend([D("42.00")])
    assert (one.slope, one.intercept, one.sigma) == (0, D("42.00"), 0)


def test_hindsight_compares_cumulative_costs() -> None:
    months = [JULY, dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
    rows = hindsight(months, [D("100.00"), D("100.00"), D("100.00")], [D("0.00"), D("80.00")])
    assert len(rows) == 2
    assert rows[0].error_pct is None and rows[0].error == D("100.00")
    assert rows[1].projected_cumulative == D("200.00") and rows[1].actual_cumulative == D("80.00")
    assert rows[1].error == D("120.00") and rows[1].error_pct == D("150.000")


def test_rounded_amounts_for_the_sentence() -> None:
    assert rounded(D("14249.99")) == "14,200" and rounded(D("14250.00")) == "14,300"


money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
pct = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)
hours = st.lists(st.decimals(min_value=0, max_value=2000, places=2), min_size=0, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    history=hours,
    rate=st.one_of(st.none(), money),
    staff_pct=pct,
    managed_pct=pct,
    current_managed=money,
    fee=money,
    onboarding=money,
    months=st.integers(min_value=0, max_value=12),
    credit=pct,
    override=st.one_of(st.none(), pct),
    kept=pct,
    one_time=money,
    later=st.integers(min_value=0, max_value=5),
)
def test_projection_invariants(
    history,
    rate,
    staff_pct,
    managed_pct,
    current_managed,
    fee,
    onboarding,
    months,
    credit,
    override,
    kept,
    one_time,
    later,
) -> None:
    realized = Realized(
        base_month=JUNE,
        history_hours=tuple(history),
        mean_rate=rate,
        staff_overhead_pct=staff_pct,
        managed_overhead_pct=managed_pct,
        current_managed=current_managed,
    )
    quote = Quote(
        start_month=dt.date(2026, 7 + later, 1),
        managed_fee=fee,
        onboarding_charges=onboarding,
        onboarding_months=months,
        credit_pct=credit,
        managed_overhead_pct=override,
        hours_kept_pct=kept,
        one_time_costs=one_time,
    )
    projection = project(realized, quote)
    assert len(projection.months) == 24 and all(h >= 0 for h in projection.hours)
    for plan in [projection.current, *projection.plans.values()]:
        assert len(plan.monthly) == 24
        assert all(value == value.quantize(D("0.01")) for value in plan.monthly)
        assert plan.cumulative == cumulative(plan.monthly)
        assert sum(plan.phases.values()) == plan.total == plan.cumulative[-1]
        assert plan.saving == projection.current.total - plan.total
        # Break-even exists exactly when the plan is strictly cheaper at month 24; from it on the plan never
        # costs more than the current plan, it is strictly cheaper in it, and the month before is not.
        pairs = list(zip(plan.cumulative, projection.current.cumulative, strict=True))
        assert (plan.break_even_month is None) == (plan.total >= projection.current.total)
        if plan.break_even_month is not None:
            index = plan.break_even_month - 1
            assert pairs[index][0] < pairs[index][1]
            assert all(p <= c for p, c in pairs[index:])
            assert index == 0 or pairs[index - 1][0] >= pairs[index - 1][1]
    # The onboarding charges are all paid, whatever the length.
    assert sum(spread_onboarding(onboarding, months)) == onboarding
    staff = projection.plans[STAFF_AUG]
    assert staff.band_low is not None and staff.band_high is not None
    for low, value, high in zip(staff.band_low, staff.monthly, staff.band_high, strict=True):
        # +/- 1 sigma around the month, symmetric unless the lower edge is floored at 0.
        assert high - value == projection.band_delta
        assert low == max(value - projection.band_delta, 0)


@given(st.lists(money, min_size=24, max_size=24))
def test_phases_add_up_to_the_24_months(monthly) -> None:
    assert sum(phase_totals(monthly).values()) == sum(monthly)


@pytest.mark.parametrize(
    ("plan", "current", "expected"),
    [
        ([D(5)], [D(5)], None),  # equal is not a break-even (the current plan during onboarding)
        ([D(6), D(1)], [D(5), D(1)], None),
        ([D(6), D(0)], [D(5), D(2)], 2),
        ([D(5), D(5), D(1)], [D(5), D(5), D(3)], 3),  # equal months, then cheaper: from month 3
        ([D(1), D(10), D(1)], [D(5), D(5), D(5)], 3),  # cheaper in month 1 but dearer in month 2
        ([D(1), D(2)], [D(5), D(-2)], None),  # cheaper at first, equal at the end
        ([], [], None),
    ],
)
def test_break_even(plan, current, expected) -> None:
    assert break_even(cumulative(plan), cumulative(current)) == expected
