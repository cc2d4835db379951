"""Money and percentage rounding, and the precision of exact Decimal maths: the one home of both (pure, no ORM)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PCT_PLACES = Decimal("0.001")
HUNDRED = Decimal("100")
# Enough digits for any amount times any rate, and for an uptime ratio of two
# microsecond counts, without an intermediate rounding (the domain rounds only
# for reporting).
PRECISION = 50


def exact() -> AbstractContextManager[Context]:
    """Return a decimal context with PRECISION digits, for maths that must not round before reporting."""
    return localcontext(prec=PRECISION)


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount to cents, half up (domain.md: each cost line on its own)."""
    with exact():
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_to_decimal(cents: int) -> Decimal:
    """Turn an integer number of cents into an exact two-place Decimal."""
    return Decimal(int(cents)).scaleb(-2).quantize(CENT)


def prorate(amount: Decimal, days: int, days_in_month: int) -> Decimal:
    """Return amount x days / days_in_month rounded to cents, half up, with no earlier rounding."""
    with exact():
        return to_cents(amount * days / days_in_month)


def percent_of(amount: Decimal, pct: Decimal) -> Decimal:
    """Return pct percent of amount, rounded to cents half up."""
    with exact():
        return to_cents(amount * pct / HUNDRED)


def round_pct(value: Decimal) -> Decimal:
    """Round a percentage to 3 decimal places, half up, for reporting."""
    with exact():
        return value.quantize(PCT_PLACES, rounding=ROUND_HALF_UP)


def ratio_pct(ratio: Decimal | None) -> Decimal | None:
    """Report a ratio (0.147...) as a percentage to 3 places (14.784), or None."""
    return None if ratio is None else round_pct(ratio * HUNDRED)
