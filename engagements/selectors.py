"""Reads of the engagements app for the apps above it (sla, billing, reports)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min

from engagements.models import Engagement, Milestone
from kernel.names import name_key


def engagement_dates_for(engagement_ids: list[int]) -> dict[int, tuple[dt.date, dt.date | None]]:
    """Return each engagement's (start date, end date or None while open-ended), in one query."""
    rows = Engagement.objects.filter(pk__in=engagement_ids).values_list("pk", "start_date", "end_date")
    return {pk: (start, end) for pk, start, end in rows}


def first_accepted_deliveries_for(engagement_ids: list[int], until: dt.date) -> dict[int, dt.date]:
    """Return each engagement's earliest delivered date of an accepted milestone up to a date, in one query."""
    rows = (
        Milestone.objects.filter(engagement_id__in=engagement_ids, accepted=True, delivered_date__lte=until)
        .order_by()
        .values("engagement_id")
        .annotate(first=Min("delivered_date"))
    )
    return {row["engagement_id"]: row["first"] for row in rows}


def engagements_by_name() -> dict[str, Engagement]:
    """Return every engagement keyed by its matching name (see kernel.names.name_key), in one query."""
    engagements = Engagement.objects.only("id", "name", "model", "start_date", "end_date").order_by("pk")
    return {name_key(engagement.name): engagement for engagement in engagements}


def engagement_matching(name: str | None) -> Engagement | None:
    """Return the engagement a typed name means (whitespace and case aside), or None."""
    key = name_key(name)
    return engagements_by_name().get(key) if key else None
