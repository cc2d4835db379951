"""Money rounding: the one place amounts are rounded (pure, no ORM)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PCT_PLACES = Decimal("0.001")
HUNDRED = Decimal("100")
# Enough digits for any amount times any rate without an intermediate rounding.
_PRECISION = 50


def to_cents(amount: Decimal) -> Decimal:
    """Round an amount to cents, half up (domain.md: each cost line on its own)."""
    with localcontext(prec=_PRECISION):
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_to_decimal(cents: int) -> Decimal:
    """Turn an integer number of cents into an exact two-place Decimal."""
    return Decimal(int(cents)).scaleb(-2).quantize(CENT)


def prorate(amount: Decimal, days: int, days_in_month: int) -> Decimal:
    """Return amount x days / days_in_month rounded to cents, half up, with no earlier rounding."""
    with localcontext(prec=_PRECISION):
        return to_cents(amount * days / days_in_month)


def percent_of(amount: Decimal, pct: Decimal) -> Decimal:
    """Return pct percent of amount, rounded to cents half up."""
    with localcontext(prec=_PRECISION):
        return to_cents(amount * pct / HUNDRED)


def round_pct(value: Decimal) -> Decimal:
    """Round a percentage to 3 decimal places, half up, for reporting."""
    with localcontext(prec=_PRECISION):
        return value.quantize(PCT_PLACES, rounding=ROUND_HALF_UP)


def ratio_pct(ratio: Decimal | None) -> Decimal | None:
    """Report a ratio (0.147...) as a percentage to 3 places (14.784), or None."""
    return None if ratio is None else round_pct(ratio * HUNDRED)
