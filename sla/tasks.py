"""Thin Celery entry points of the SLA app."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from engagements.models import Engagement
from sla.services.clocks import ticket_clocks_refresh_running, ticket_clocks_refresh_since


# Retried on a lost database connection only: the refresh recomputes from the
# facts and overwrites, so running it twice is harmless; a bug is not retried.
@shared_task(
    name="sla.refresh_ticket_clocks",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def refresh_ticket_clocks(*, engagement_ids: list[int], since: str) -> int:
    """Recompute the clocks of engagements' tickets from a date on (after a policy or assignment change)."""
    ids = list(Engagement.objects.filter(pk__in=engagement_ids).values_list("pk", flat=True))
    if not ids:
        return 0
    return ticket_clocks_refresh_since(engagement_ids=ids, since=dt.date.fromisoformat(since))


# No retries: the beat runs it again a few minutes later anyway.
@shared_task(name="sla.refresh_running_clocks", ignore_result=True)
def refresh_running_clocks() -> int:
    """Recompute the clocks of unresolved tickets, so breaches show without waiting for a write."""
    return ticket_clocks_refresh_running()
