"""What needs a person's attention in billing: engagements of a month without their vendor's invoice."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from billing.models import Invoice
from engagements.models import Engagement
from kernel.months import first_of


def engagements_without_invoice(month: dt.date) -> QuerySet[Engagement]:
    """Engagements active in a month (by their dates) with no invoice for it, by name (one query)."""
    month = first_of(month)
    invoiced = Invoice.objects.filter(engagement=OuterRef("pk"), period=month)
    return Engagement.objects.active_in(month).filter(~Exists(invoiced)).select_related("vendor").order_by("name", "pk")
