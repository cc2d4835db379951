"""The closed-period lock, as a write guard every recorded fact's write paths run."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connections, router

from kernel.facts import MonthKey, RecordedFact
from kernel.months import month_label


def closed_months(months: set[dt.date]) -> list[dt.date]:
    """Return which of these months are closed; on PostgreSQL, hold them open until this transaction ends.

    On PostgreSQL the check goes through billing_closed_months (migration
    billing 0003, which says why it is correct under READ COMMITTED): it takes
    a shared lock per month that a close must wait for, then reads the periods
    with a fresh snapshot, so no write commits into a month after its close
    is visible. On SQLite "transaction_mode": "IMMEDIATE" serializes every
    write transaction already, so a plain read is enough.
    """
    from billing.models import Period

    if not months:
        return []
    connection = connections[router.db_for_write(Period)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT billing_closed_months(%s::date[])", [sorted(months)])
            return [row[0] for row in cursor.fetchall()]
    return sorted(Period.objects.closed().filter(month__in=months).values_list("month", flat=True))


def lock_month_for_closing(month: dt.date) -> None:
    """Wait for the writes in flight in a month and keep new ones out until this transaction ends (PostgreSQL)."""
    from billing.models import Period

    connection = connections[router.db_for_write(Period)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT billing_period_lock(%s)", [month])


def refuse_closed_months(model: type[RecordedFact], keys: set[MonthKey]) -> None:
    """Refuse any write that touches a closed month (admin, API, imports and bulk writes alike)."""
    closed = closed_months({month for _, month in keys})
    if not closed:
        return
    first, *others = closed
    message = (
        f"{month_label(first)} is closed: reopen the period before recording, changing or deleting "
        f"{model._meta.verbose_name_plural} dated in it."
    )
    if others:
        message += f" Also closed: {', '.join(month_label(m) for m in others)}."
    raise ValidationError(message, code="period_closed")
