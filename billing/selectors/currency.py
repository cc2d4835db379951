"""Currency conversion into the base currency with the month's exchange rate; never a silent 1.0."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings

from billing.models import ExchangeRate
from billing.selectors.costs import MonthCosts
from kernel.money import to_cents
from kernel.months import first_of, month_label

MONEY_FIELDS = ("labor_cost", "overhead_cost", "fee_cost", "one_time_cost", "credit")


class MissingExchangeRate(LookupError):
    """A figure needs converting and the month has no rate for its currency."""

    def __init__(self, currency: str, month: dt.date) -> None:
        self.currency, self.month = currency, first_of(month)
        super().__init__(
            f"No exchange rate from {currency} to {settings.BASE_CURRENCY} for {month_label(self.month)}: "
            "add it under Billing > Exchange rates."
        )


def exchange_rates_for(currencies: Iterable[str], month: dt.date) -> dict[str, Decimal]:
    """Return each currency's rate to the base currency for a month (one query); raise if one is missing."""
    wanted = set(currencies) - {settings.BASE_CURRENCY}
    rates = dict(
        ExchangeRate.objects.filter(month=first_of(month), currency__in=wanted).values_list("currency", "rate_to_base")
    )
    missing = sorted(wanted - rates.keys())
    if missing:
        raise MissingExchangeRate(missing[0], month)
    return {settings.BASE_CURRENCY: Decimal(1), **rates}


def convert(amount: Decimal, currency: str, month: dt.date, *, rates: dict[str, Decimal] | None = None) -> Decimal:
    """Convert an amount into the base currency with the month's rate, rounded to cents half up."""
    if currency == settings.BASE_CURRENCY:
        return amount
    if rates is None or currency not in rates:
        rates = exchange_rates_for([currency], month)
    return to_cents(amount * rates[currency])


def convert_costs(costs: MonthCosts, month: dt.date, *, rates: dict[str, Decimal] | None = None) -> MonthCosts:
    """Convert each cost line into the base currency, then rebuild the totals from the converted lines."""
    if costs.currency == settings.BASE_CURRENCY:
        return costs
    lines = {name: convert(getattr(costs, name), costs.currency, month, rates=rates) for name in MONEY_FIELDS}
    total = lines["labor_cost"] + lines["overhead_cost"] + lines["fee_cost"] + lines["one_time_cost"] - lines["credit"]
    vendor_cost = total - lines["overhead_cost"]
    return dataclasses.replace(
        costs,
        currency=settings.BASE_CURRENCY,
        labor_cost=lines["labor_cost"],
        overhead_cost=lines["overhead_cost"],
        fee_cost=lines["fee_cost"],
        one_time_cost=lines["one_time_cost"],
        credit=lines["credit"],
        total_cost=total,
        vendor_cost=vendor_cost,
        overhead_ratio=lines["overhead_cost"] / vendor_cost if vendor_cost else None,
    )
