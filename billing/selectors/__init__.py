"""Reads of the billing app: the cost engine, currency conversion, invoice expectations."""

from billing.selectors.costs import MonthCosts, engagement_month_costs
from billing.selectors.currency import MissingExchangeRate, convert, convert_costs, exchange_rates_for
from billing.selectors.invoices import expected_invoice_amounts
from billing.selectors.periods import is_month_closed

__all__ = [
    "MissingExchangeRate",
    "MonthCosts",
    "convert",
    "convert_costs",
    "engagement_month_costs",
    "exchange_rates_for",
    "expected_invoice_amounts",
    "is_month_closed",
]
