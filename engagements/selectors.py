"""Reads of the engagements app for the apps above it (sla, billing, reports)."""

from __future__ import annotations

import datetime as dt

from engagements.models import Engagement


def engagement_dates_for(engagement_ids: list[int]) -> dict[int, tuple[dt.date, dt.date | None]]:
    """Return each engagement's (start date, end date or None while open-ended), in one query."""
    rows = Engagement.objects.filter(pk__in=engagement_ids).values_list("pk", "start_date", "end_date")
    return {pk: (start, end) for pk, start, end in rows}
