"""Service credits: the one tier an uptime falls in, capped at the policy's maximum."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from kernel.money import HUNDRED


@dataclass(frozen=True)
class CreditTier:
    """Credit owed when uptime is below below_pct (and not below a lower tier)."""

    below_pct: Decimal
    credit_pct: Decimal


def _check_pct(name: str, value: Decimal) -> None:
    """Raise ValueError unless 0 < value <= 100."""
    if not Decimal(0) < value <= HUNDRED:
        raise ValueError(f"{name} must be above 0 and at most 100, got {value}")


def validate_tiers(tiers: Iterable[CreditTier]) -> None:
    """Raise ValueError unless tiers have distinct thresholds and credits rising as uptime falls."""
    ordered = sorted(tiers, key=lambda tier: tier.below_pct, reverse=True)
    for tier in ordered:
        _check_pct("a tier's uptime threshold", tier.below_pct)
        _check_pct("a tier's credit percent", tier.credit_pct)
    for higher, lower in pairwise(ordered):
        if higher.below_pct == lower.below_pct:
            raise ValueError(f"two tiers share the threshold below {higher.below_pct}%: thresholds must differ")
        if lower.credit_pct <= higher.credit_pct:
            raise ValueError(
                f"tiers must descend: below {lower.below_pct}% must credit more than "
                f"below {higher.below_pct}% ({lower.credit_pct}% is not more than {higher.credit_pct}%)"
            )


def credit_pct(uptime: Decimal | None, tiers: Iterable[CreditTier], max_credit_pct: Decimal) -> Decimal:
    """Return the credit percent of the one tier uptime falls in, capped at max_credit_pct."""
    brackets = tuple(tiers)
    validate_tiers(brackets)
    if not Decimal(0) <= max_credit_pct <= HUNDRED:
        raise ValueError(f"the maximum credit percent must be 0 to 100, got {max_credit_pct}")
    if uptime is None:
        return Decimal(0)
    # Brackets are half-open, so the applicable tier is the lowest threshold
    # that uptime is still under; an uptime exactly at a threshold is above it.
    under = [tier for tier in brackets if uptime < tier.below_pct]
    if not under:
        return Decimal(0)
    applicable = min(under, key=lambda tier: tier.below_pct)
    return min(applicable.credit_pct, max_credit_pct)
