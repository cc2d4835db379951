"""Conversion into the base currency with the month's rate; a missing rate is an error, never 1.0."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import ExchangeRate
from billing.selectors import MissingExchangeRate, convert, convert_costs, engagement_month_costs
from billing.services import exchange_rate_set, one_time_charge_create, period_close
from tests.billing.conftest import APRIL, d
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db


def test_an_amount_is_converted_with_the_months_rate_and_rounded_half_up() -> None:
    exchange_rate_set(month=d(20), currency="eur", rate_to_base=Decimal("1.08050000"))
    assert convert(Decimal("100.00"), "EUR", APRIL) == Decimal("108.05")
    assert convert(Decimal("0.10"), "EUR", APRIL) == Decimal("0.11")  # 0.10805


def test_the_base_currency_needs_no_rate(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert convert(Decimal("12.34"), "USD", APRIL) == Decimal("12.34")


def test_a_missing_rate_is_an_error_naming_the_month_and_currency() -> None:
    exchange_rate_set(month=d(1, 3), currency="GBP", rate_to_base=Decimal("1.25"))
    with pytest.raises(MissingExchangeRate) as caught:
        convert(Decimal("100.00"), "GBP", APRIL)
    assert (
        str(caught.value) == "No exchange rate from GBP to USD for April 2026: add it under Billing > Exchange rates."
    )
    assert (caught.value.currency, caught.value.month) == ("GBP", APRIL)


def test_setting_a_rate_again_replaces_it() -> None:
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.08"))
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.09"))
    assert list(ExchangeRate.objects.values_list("currency", "rate_to_base")) == [("EUR", Decimal("1.09000000"))]


def test_the_base_currency_and_unknown_codes_have_no_rate() -> None:
    with pytest.raises(ValidationError) as caught:
        exchange_rate_set(month=APRIL, currency="USD", rate_to_base=Decimal("1"))
    assert caught.value.message_dict["currency"] == ["USD is the base currency: its rate is always 1."]
    with pytest.raises(ValidationError, match="not an ISO 4217 currency code"):
        exchange_rate_set(month=APRIL, currency="EUX", rate_to_base=Decimal("1"))


def test_cost_lines_are_converted_one_by_one_and_totals_rebuilt_from_them() -> None:
    engagement = EngagementFactory(currency="EUR")
    one_time_charge_create(engagement=engagement, date=d(2), amount=Decimal("1000.01"), kind="setup")
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.5"))
    converted = convert_costs(engagement_month_costs([engagement.pk], APRIL)[engagement.pk], APRIL)
    assert (converted.currency, converted.one_time_cost, converted.total_cost) == (
        "USD",
        Decimal("1500.02"),
        Decimal("1500.02"),
    )


def test_a_rate_of_a_closed_month_is_locked_while_an_engagement_bills_in_that_currency(superuser) -> None:
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.08"))
    period_close(month=APRIL, user=superuser)
    exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.10"))  # no EUR engagement yet
    EngagementFactory(currency="EUR", start_date=d(1, 1))
    with pytest.raises(ValidationError, match="April 2026 is closed"):
        exchange_rate_set(month=APRIL, currency="EUR", rate_to_base=Decimal("1.20"))
