"""Pages read months and days from query strings through one parser bounded to sane years (as the API is)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.months import MAX_YEAR, MIN_YEAR, parse_day, parse_month, within_years


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1900-01", dt.date(1900, 1, 1)),
        ("2199-12", dt.date(2199, 12, 1)),
        ("1899-12", None),
        ("2200-01", None),
        ("0001-01", None),
        ("9999-12", None),
    ],
)
def test_a_month_outside_the_sane_years_is_not_a_month(raw: str, expected: dt.date | None) -> None:
    assert parse_month(raw) == expected


def test_a_caller_with_its_own_message_can_read_any_year() -> None:
    assert parse_month("9999-12", any_year=True) == dt.date(9999, 12, 1)
    assert parse_month("nonsense", any_year=True) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-30", dt.date(2026, 11, 30)),
        ("2199-12-31", dt.date(2199, 12, 31)),
        ("9999-12-31", None),
        ("0001-01-01", None),
        ("2026-02-30", None),
        ("", None),
        (None, None),
    ],
)
def test_a_day_is_read_within_the_sane_years(raw: str | None, expected: dt.date | None) -> None:
    assert parse_day(raw) == expected


def test_the_sane_years_are_the_apis() -> None:
    from kernel.api.fields import MAX_YEAR as API_MAX
    from kernel.api.fields import MIN_YEAR as API_MIN

    assert (MIN_YEAR, MAX_YEAR) == (API_MIN, API_MAX) == (1900, 2199)
    assert within_years(dt.date(1900, 1, 1)) and not within_years(dt.date(2200, 1, 1))
