"""QuerySets named after business states."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q

from kernel.facts import FactQuerySet, MonthKey, RecordedFact
from kernel.months import month_bounds

_CHUNK = 500


class EngagementQuerySet(FactQuerySet):
    """Engagement queries."""

    def active_in(self, month: dt.date) -> EngagementQuerySet:
        """Engagements with at least one active day in the month."""
        first, last = month_bounds(month)
        return self.filter(Q(start_date__lte=last), Q(end_date__isnull=True) | Q(end_date__gte=first))


class DatedQuerySet(FactQuerySet):
    """Queries for facts with a `date` field."""

    def in_month(self, month: dt.date) -> models.QuerySet:
        """Rows dated in the month containing a date."""
        first, last = month_bounds(month)
        return self.filter(date__gte=first, date__lte=last)


def fact_children(model: type[models.Model]) -> list[tuple[type[RecordedFact], str]]:
    """Return the recorded facts that reach their engagement through this model, with their key to it.

    A time entry (`contractor__engagement_id`) or an outage (`service__engagement_id`):
    moving the parent to another engagement moves them too.
    """
    children = []
    for relation in model._meta.related_objects:
        child, key = relation.related_model, relation.field.name
        path = getattr(child, "engagement_path", None)
        if isinstance(child, type) and issubclass(child, RecordedFact) and path and path.startswith(f"{key}__"):
            children.append((child, key))
    return children


class ParentFactQuerySet(FactQuerySet):
    """FactQuerySet of a parent whose facts reach their engagement through it (contractor, monitored service).

    Its audit snapshots carry `_fact_months`, the months of the facts recorded
    through each row (under the row's engagement as it is then), so a write
    that moves the parent to another engagement is guarded and marked in the
    months of both engagements, whatever path it takes (service, save(), update()).
    """

    def _snapshot(self, pks: Iterable[int] | None = None, *, lock: bool = False) -> dict[int, dict[str, Any]]:
        rows = super()._snapshot(pks, lock=lock)
        if not rows:
            return rows
        months: dict[int, set[dt.date]] = {pk: set() for pk in rows}
        ids = list(rows)
        for child, key in fact_children(self.model):
            for i in range(0, len(ids), _CHUNK):
                facts = child.objects.filter(**{f"{key}_id__in": ids[i : i + _CHUNK]})._snapshot()
                for fact in facts.values():
                    months[fact[f"{key}_id"]] |= {month for _, month in child.month_keys(fact)}
        for pk, row in rows.items():
            row["_fact_months"] = frozenset(months[pk])
        return rows


def moved_fact_keys(old: dict[str, Any] | None, new: dict[str, Any] | None) -> set[MonthKey]:
    """Return the months a parent's move to another engagement touches: its facts' months under both."""
    if old is None or new is None or old.get("_engagement") == new.get("_engagement"):
        return set()
    keys: set[MonthKey] = set()
    for row in (old, new):
        if row.get("_engagement") is not None:
            keys |= {(row["_engagement"], month) for month in row.get("_fact_months", ())}
    return keys
