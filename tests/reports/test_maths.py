"""Volatility, cumulative cost, phases, break-even, forecast and the checklist, on small hand-computed data."""

from __future__ import annotations

from decimal import Decimal as D

from reports import maths


def test_volatility_is_the_population_coefficient_of_variation() -> None:
    # mean 100, population std dev sqrt(((-10)^2 + 10^2) / 2) = 10: CV 0.1
    assert maths.volatility([D(90), D(110)]) == D("0.1")


def test_volatility_looks_at_the_last_six_months_only() -> None:
    # The first value is outside the trailing 6; the other six are all 50.
    assert maths.volatility([D(1000), *[D(50)] * 6]) == 0


def test_volatility_is_none_without_data_or_with_a_zero_mean() -> None:
    assert maths.volatility([]) is None
    assert maths.volatility([D(0), D(0)]) is None


def test_cumulative_cost_runs_by_month_index() -> None:
    assert maths.cumulative([D(1), D(2), D(3)]) == [D(1), D(3), D(6)]


def test_phase_totals_split_months_1_to_6_7_to_12_and_13_to_24() -> None:
    monthly = [D(1)] * 6 + [D(2)] * 6 + [D(3)] * 12 + [D(100)]
    assert maths.phase_totals(monthly) == {"1-6": D("6.00"), "7-12": D("12.00"), "13-24": D("36.00")}


def test_phase_totals_of_a_short_history_are_partial() -> None:
    assert maths.phase_totals([D(5), D(5)]) == {"1-6": D("10.00"), "7-12": D("0.00"), "13-24": D("0.00")}


def test_break_even_is_the_first_month_managed_cumulative_is_not_above_staff_aug() -> None:
    managed = maths.cumulative([D(30), D(10), D(10), D(10)])  # 30 40 50 60
    staff = maths.cumulative([D(10), D(15), D(20), D(25)])  # 10 25 45 70
    assert maths.break_even(managed, staff) == 4


def test_break_even_counts_equality_as_reached() -> None:
    assert maths.break_even([D(20), D(30)], [D(10), D(30)]) == 2


def test_there_is_no_break_even_while_managed_stays_dearer() -> None:
    assert maths.break_even([D(50), D(60)], [D(10), D(20)]) is None


def test_least_squares_fits_a_straight_line() -> None:
    # y = 2x + 1 through x = 1..4
    assert maths.least_squares([D(3), D(5), D(7), D(9)]) == (D(2), D(1))


def test_the_forecast_extends_the_staff_aug_trend_and_the_managed_fee() -> None:
    history = [D(100), D(110), D(120), D(130), D(140), D(150)]  # +10 a month
    result = maths.forecast(history, [D("130.00")] * 24)
    assert result.staff_aug == [D("160.00"), D("170.00"), D("180.00"), D("190.00"), D("200.00"), D("210.00")]
    assert result.managed == [D("130.00")] * 6
    # Staff aug over 12 months: 160 + ... + 270 = 2,580; managed 1,560.
    assert result.gap_12 == D("1020.00")
    # Over 24 months: 160 + ... + 390 = 6,600; managed 3,120.
    assert result.gap_24 == D("3480.00")


def test_the_forecast_uses_only_the_last_six_months() -> None:
    result = maths.forecast([D(999), *[D(50)] * 6], None)
    assert result.staff_aug == [D("50.00")] * 6
    assert result.gap_12 is None


def test_a_falling_trend_is_never_forecast_below_zero() -> None:
    assert maths.forecast([D(30), D(20), D(10)], None).staff_aug[-1] == D("0.00")


def test_the_checklist_recommends_the_model_most_answers_point_to() -> None:
    answers = {
        "short_term": True,
        "offload_downtime_risk": False,
        "predictable_cost": False,
        "internal_manager": True,
        "specific_skill_short": True,
    }
    result = maths.recommend(answers)
    assert (result.model, result.staff_aug_votes, result.managed_votes) == ("staff_aug", 4, 0)


def test_the_checklist_recommends_managed_without_an_internal_manager() -> None:
    answers = {"short_term": True, "internal_manager": False, "specific_skill_short": True}
    assert maths.recommend(answers).model == "managed"


def test_a_tied_checklist_recommends_either_model_and_an_empty_one_nothing() -> None:
    assert maths.recommend({"short_term": True, "predictable_cost": True}).model == "either"
    assert maths.recommend({}).model is None


def test_a_short_term_answer_contradicts_an_engagement_that_ran_18_months() -> None:
    found = maths.contradictions({"short_term": True}, maths.AreaFacts(months_running=18))
    assert len(found) == 1 and "18 months" in found[0]


def test_predictable_cost_contradicts_a_volatile_monthly_cost() -> None:
    assert maths.contradictions({"predictable_cost": True}, maths.AreaFacts(cost_volatility=D("0.25")))
    assert not maths.contradictions({"predictable_cost": True}, maths.AreaFacts(cost_volatility=D("0.05")))


def test_answers_that_agree_with_the_data_raise_no_contradiction() -> None:
    answers = {
        "short_term": True,
        "internal_manager": False,
        "specific_skill_short": True,
        "offload_downtime_risk": True,
    }
    facts = maths.AreaFacts(months_running=4, staff_aug_months_running=4, downtime_impact=D(10), credits=D(20))
    assert maths.contradictions(answers, facts) == []


def test_no_internal_manager_contradicts_recorded_oversight_hours() -> None:
    assert maths.contradictions({"internal_manager": False}, maths.AreaFacts(overhead_hours=D("12.5")))


def test_a_specific_skill_answer_contradicts_staff_aug_that_ran_past_a_few_months() -> None:
    answers = {"specific_skill_short": True}
    found = maths.contradictions(answers, maths.AreaFacts(staff_aug_months_running=7))
    assert len(found) == 1 and "staff augmentation has run 7 months" in found[0]
    assert maths.contradictions(answers, maths.AreaFacts(staff_aug_months_running=6)) == []


def test_least_squares_of_no_value_is_flat_at_zero_and_of_one_value_flat_at_it() -> None:
    assert maths.least_squares([]) == (D(0), D(0))
    assert maths.least_squares([D("42.50")]) == (D(0), D("42.50"))


def test_model_labels_name_each_model_and_an_unanswered_checklist() -> None:
    labels = [maths.model_label(model) for model in (maths.STAFF_AUG, maths.MANAGED, maths.EITHER, None)]
    assert labels == ["Staff augmentation", "Managed service", "Either model", "not answered"]


def test_offloading_downtime_risk_contradicts_downtime_that_cost_more_than_the_credits() -> None:
    answers = {"offload_downtime_risk": True}
    found = maths.contradictions(answers, maths.AreaFacts(downtime_impact=D("1200.00"), credits=D("400.00")))
    assert len(found) == 1 and "1,200.00 over the last 6 months against 400.00 of its service credits" in found[0]
    facts = maths.AreaFacts(downtime_impact=D("1200.00"), credits=D("400.00"), currency="USD")
    assert "USD 1,200.00 over the last 6 months against USD 400.00" in maths.contradictions(answers, facts)[0]


def test_without_staff_aug_history_the_forecast_has_only_the_managed_fees_and_no_gap() -> None:
    result = maths.forecast([], [D("130.00")] * 24)
    assert (result.staff_aug, result.managed, result.gap_12, result.gap_24) == ([], [D("130.00")] * 6, None, None)
