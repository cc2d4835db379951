"""How the report's sentences write amounts, rates, percentages and counts (one place, so every output agrees)."""

from __future__ import annotations

from decimal import Decimal

MODEL_NAMES = {"staff_aug": "Staff augmentation", "managed": "Managed service"}
MODEL_NAMES_LOWER = {"staff_aug": "staff augmentation", "managed": "the managed service"}


def money(value: Decimal | str | int, currency: str) -> str:
    """Write an amount with its currency and thousands separators: USD 12,345.67 (negative: USD -1,234.50)."""
    return f"{currency} {Decimal(str(value)):,.2f}"


def rate(value: Decimal | str) -> str:
    """Write an exchange rate without its storage padding: 1.08 (not 1.08000000), 0.9125, 2.00."""
    number = Decimal(str(value)).normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        number = number.quantize(Decimal("0.01"))
    return f"{number:,f}"


def pct(value: Decimal | str) -> str:
    """Write a percentage to one decimal: 99.7%."""
    return f"{Decimal(str(value)):,.1f}%"


def points(value: Decimal | str) -> str:
    """Write a difference of percentages in points, signed: +1.2 points."""
    return f"{Decimal(str(value)):+,.1f} points"


def hours(value: Decimal | str) -> str:
    """Write hours with thousands separators: 1,234.50 h."""
    return f"{Decimal(str(value)):,.2f} h"


def plural(count: int, one: str, many: str | None = None) -> str:
    """Write a count with its noun: 1 ticket, 3 tickets."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
