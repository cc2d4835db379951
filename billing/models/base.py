"""Shared pieces of billing's recorded facts: extra snapshot columns, months spanned, form-time guards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from kernel import months
from kernel.facts import FactQuerySet, RecordedFact
from kernel.months import last_day_of, months_between

_CHUNK = 500


def first_of_month_constraint(field: str) -> models.CheckConstraint:
    """Return the check that a month column holds the first day of its month."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__day": 1}),
        name=f"%(app_label)s_%(class)s_{field}_first_of_month",
        violation_error_message="Enter the first day of the month.",
    )


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
    last = last_day_of(max(months.today(), effective_from))
    if until is not None:
        last = min(last, until - dt.timedelta(days=1))
    if end is not None:
        last = min(last, end)
    return iter(months_between(first, last) if first <= last else ())


class BillingQuerySet(FactQuerySet):
    """FactQuerySet whose audit snapshots carry the extra columns a model's month keys need."""

    def _snapshot(self, pks: Any = None, *, lock: bool = False) -> dict[int, dict[str, Any]]:
        rows = super()._snapshot(pks, lock=lock)
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
