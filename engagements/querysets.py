"""QuerySets named after business states."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from kernel.facts import FactQuerySet
from kernel.months import month_bounds


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
