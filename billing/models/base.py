"""Shared pieces of billing's recorded facts: extra snapshot columns, months spanned, form-time guards."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from kernel.facts import FactQuerySet, RecordedFact

_CHUNK = 500


def first_of_month_constraint(field: str) -> models.CheckConstraint:
    """Return the check that a month column holds the first day of its month."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__day": 1}),
        name=f"%(app_label)s_%(class)s_{field}_first_of_month",
        violation_error_message="Enter the first day of the month.",
    )


def month_last_day(month: dt.date) -> dt.date:
    """Return the last day of the month containing a date."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Yield the first day of every month from first's month through last's month."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = month_last_day(month) + dt.timedelta(days=1)


def today() -> dt.date:
    """Return the organisation's current date (a seam for tests)."""
    return timezone.localdate()


def effective_span(
    effective_from: dt.date,
    *,
    until: dt.date | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Iterator[dt.date]:
    """Yield the months an effective-dated value prices, inside the engagement's dates."""
    # From its effective month until the next value supersedes it, through the
    # current month (or its own month, if later: a future rate marks that month).
    first = max(effective_from, start) if start else effective_from
    last = month_last_day(max(today(), effective_from))
    if until is not None:
        last = min(last, until - dt.timedelta(days=1))
    if end is not None:
        last = min(last, end)
    return months_between(first, last) if first <= last else iter(())


class BillingQuerySet(FactQuerySet):
    """FactQuerySet whose audit snapshots carry the extra columns a model's month keys need."""

    def _snapshot(self, pks: Any = None) -> dict[int, dict[str, Any]]:
        rows = super()._snapshot(pks)
        extras = self.model.snapshot_extras()
        if not rows or not extras:
            return rows
        ids = list(rows)
        for i in range(0, len(ids), _CHUNK):
            chunk = self.model._base_manager.filter(pk__in=ids[i : i + _CHUNK])
            for values in chunk.values("pk", **extras):
                rows[values.pop("pk")].update(values)
        return rows


class BillingFact(RecordedFact):
    """A billing fact: a RecordedFact whose snapshots may carry extra columns for its month keys."""

    objects: ClassVar = BillingQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def snapshot_extras(cls) -> dict[str, Any]:
        """Return extra `_name: expression` columns for audit snapshots (never audited themselves)."""
        return {}
