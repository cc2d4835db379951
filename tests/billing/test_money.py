"""Money rounding: half up, to the cent, one helper for every line (no database)."""

from __future__ import annotations

from decimal import Decimal

from kernel.money import cents_to_decimal, percent_of, prorate, ratio_pct, round_pct, to_cents


def test_amounts_round_half_up_to_the_cent_not_to_even() -> None:
    assert to_cents(Decimal("14.025")) == Decimal("14.03")
    assert to_cents(Decimal("2.675")) == Decimal("2.68")
    assert to_cents(Decimal("25.6641")) == Decimal("25.66")
    assert to_cents(Decimal("-0.005")) == Decimal("-0.01")


def test_cents_become_exact_two_place_decimals() -> None:
    assert cents_to_decimal(315250) == Decimal("3152.50")
    assert str(cents_to_decimal(0)) == "0.00"
    assert cents_to_decimal(Decimal("7")) == Decimal("0.07")


def test_a_fee_is_prorated_by_days_without_rounding_before_the_end() -> None:
    assert prorate(Decimal("6000.00"), 20, 30) == Decimal("4000.00")
    assert prorate(Decimal("1000.00"), 1, 3) == Decimal("333.33")
    assert prorate(Decimal("1000.00"), 2, 3) == Decimal("666.67")


def test_a_credit_is_a_percent_of_the_fee_rounded_half_up() -> None:
    assert percent_of(Decimal("4000.00"), Decimal("10")) == Decimal("400.00")
    assert percent_of(Decimal("333.33"), Decimal("12.5")) == Decimal("41.67")


def test_percentages_are_reported_to_three_places_half_up() -> None:
    assert round_pct(Decimal("99.6875")) == Decimal("99.688")
    assert ratio_pct(Decimal("540.00") / Decimal("3652.50")) == Decimal("14.784")
    assert ratio_pct(None) is None
