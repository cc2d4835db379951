"""Reads of billing that the layers below ask for through their registries (BillingConfig.ready registers them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Min

from billing.models import ContractorRate, Period


def first_bill_rate_dates(contractor_ids: Collection[int]) -> dict[int, dt.date]:
    """Return each contractor's first bill rate date (a rate holds until the next), in one query."""
    rows = (
        ContractorRate.objects.filter(contractor_id__in=list(contractor_ids))
        .order_by()
        .values("contractor_id")
        .annotate(first=Min("effective_from"))
    )
    return {row["contractor_id"]: row["first"] for row in rows}


def closed_months_among(months: Collection[dt.date]) -> set[dt.date]:
    """Return which of these months (first days) are closed, in one query (a read: no lock, unlike the guard)."""
    return set(Period.objects.closed().filter(month__in=list(months)).values_list("month", flat=True))
