"""The few reads the report pages add to the selectors (one query each, whatever the number of engagements)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.fields.json import KT

from billing.models import Period
from reports.models import ComparisonReport

TOTAL = "payload__overall__{model}__figures__total_cost"


def closed_months() -> set[dt.date]:
    """The months whose billing period is closed: their reports are final."""
    return set(Period.objects.closed().values_list("month", flat=True))


def report_months() -> list[dt.date]:
    """Every month with a stored report, oldest first (for previous/next and the picker)."""
    return list(ComparisonReport.objects.order_by("month").values_list("month", flat=True))


def month_figures() -> dict[dt.date, dict[str, Any]]:
    """Each stored report's total cost per model and whether its data is complete (read inside the JSON)."""
    rows = ComparisonReport.objects.values(
        "month",
        "currency",
        staff_aug=KT(TOTAL.format(model="staff_aug")),
        managed=KT(TOTAL.format(model="managed")),
        complete=KT("payload__complete"),
    )
    return {row["month"]: dict(row) for row in rows}
