"""Services that close and reopen a month: the lock on its recorded facts."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from billing.guards import lock_month_for_closing
from billing.models import Period, PeriodReopening
from billing.services.credits import service_credits_assess
from billing.services.invoices import invoices_reconcile_month
from kernel.months import current_month, first_of, month_label, next_month
from kernel.services import WriteServices, atomic_service, validated_save

log = logging.getLogger(__name__)


def _period(month: dt.date) -> Period:
    month = first_of(month)
    # Locked, so two people closing the same month at once cannot both succeed.
    return Period.objects.select_for_update().filter(month=month).first() or validated_save(Period(month=month))


@atomic_service
def period_ensure(*, month: dt.date) -> Period:
    """Return the month's period, creating it (open) if needed."""
    return _period(month)


def month_is_over(month: dt.date) -> bool:
    """Say whether a month has ended in the organisation's zone (only a finished month can be closed)."""
    return first_of(month) < current_month()


def ensure_month_is_over(month: dt.date) -> None:
    """Refuse a month that is not over: its facts are still being recorded, and a future one has none."""
    if not month_is_over(month):
        label = month_label(first_of(month))
        raise ValidationError(
            {
                "month": f"{label} is not over yet: it can be closed from 1 {month_label(next_month(month))}, "
                "once it has ended."
            }
        )


@atomic_service
def period_close(*, month: dt.date, user: Any) -> Period:
    """Close a month: assess its credits and reconcile its invoices, then lock every fact dated in it."""
    if not user.has_perm("billing.close_period"):
        raise PermissionDenied("You do not have permission to close periods.")
    ensure_month_is_over(month)
    # First of all: wait for the writes in flight in the month and hold new ones off until
    # this commits, so the figures below see every write and none lands after the close
    # (billing.guards.closed_months; PostgreSQL only, SQLite serializes transactions anyway).
    lock_month_for_closing(first_of(month))
    period = _period(month)
    if period.closed:
        raise ValidationError(f"{month_label(period.month)} is already closed.")
    # Final figures first: once closed, nothing dated in the month may change.
    service_credits_assess(month=period.month)
    invoices_reconcile_month(month=period.month)
    period.closed, period.closed_at, period.closed_by = True, timezone.now(), user
    validated_save(period)
    label = month_label(period.month)
    transaction.on_commit(lambda: log.info("%s closed by %s", label, user))
    return period


@atomic_service
def period_reopen(*, month: dt.date, user: Any, reason: str) -> PeriodReopening:
    """Reopen a closed month; needs its own permission and records who, when and why."""
    if not user.has_perm("billing.reopen_period"):
        raise PermissionDenied("You do not have permission to reopen periods.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the period is reopened."})
    period = Period.objects.select_for_update().filter(month=first_of(month)).first()
    if period is None or not period.closed:
        raise ValidationError(f"{month_label(first_of(month))} is not closed.")
    reopening = validated_save(
        PeriodReopening(
            period=period,
            reopened_by=user,
            reopened_by_label=(user.get_username() or str(user))[:200],
            reopened_at=timezone.now(),
            reason=reason,
        )
    )
    period.closed, period.closed_at, period.closed_by = False, None, None
    validated_save(period)
    label = month_label(period.month)
    transaction.on_commit(lambda: log.warning("%s reopened by %s: %s", label, user, reason))
    return reopening


# A period is entered by its month; closing and reopening are its only changes, and it is never deleted.
PERIOD = WriteServices(create=period_ensure, update=None, delete=None, instance="period")
