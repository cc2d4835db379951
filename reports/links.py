"""Links from the report's figures to the rows behind them, and from each data gap to where it is fixed.

The admin changelists take the filter parameters of engagements.admin.lists
(`engagement__id__exact`, `service_area`, `model`, `month=YYYY-MM`; tickets
`opened_month`, `resolved_month`, `breached_month`): a link lists exactly the rows a
figure counts or sums.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

# figure key -> (admin changelist, extra parameters, how the month is named, the one model its rows belong
# to: None when the list holds both and filters by `model`; time entries are staff augmentation's, fees
# and service credits the managed service's, and those lists have no model filter).
FIGURE_LISTS: dict[str, tuple[str, dict[str, str], str, str | None]] = {
    "hours": ("engagements_timeentry", {}, "month", "staff_aug"),
    "labor_cost": ("engagements_timeentry", {}, "month", "staff_aug"),
    "overhead_hours": ("engagements_overheadentry", {}, "month", None),
    "overhead_cost": ("engagements_overheadentry", {}, "month", None),
    "fee_cost": ("billing_feeschedule", {}, "month", "managed"),
    "one_time_cost": ("billing_onetimecharge", {}, "month", None),
    "credit": ("billing_servicecredit", {}, "month", "managed"),
    "tickets_opened": ("sla_ticket", {}, "opened_month", None),
    "tickets_resolved": ("sla_ticket", {}, "resolved_month", None),
    # Breached tickets opened or resolved in the month: what the snapshots count.
    "breached_tickets": ("sla_ticket", {}, "breached_month", None),
    "downtime_hours": ("sla_outage", {}, "month", None),
}


def _url(name: str, query: dict[str, Any] | None = None) -> str | None:
    try:
        url = reverse(f"admin:{name}")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def figure_link(
    key: str,
    month: str,
    *,
    engagement: int | None = None,
    area: int | None = None,
    model: str | None = None,
) -> str | None:
    """Return the admin changelist of the rows behind one figure (None when no list holds them)."""
    if key not in FIGURE_LISTS:
        return None
    name, extra, month_param, only = FIGURE_LISTS[key]
    if model is not None and only is not None and model != only:
        return None  # e.g. a managed figure has no time entries behind it
    query: dict[str, Any] = {}
    if engagement is not None:
        query["engagement__id__exact"] = engagement
    if area is not None:
        query["service_area"] = area
    if model is not None and only is None:
        query["model"] = model
    query[month_param] = month
    query.update(extra)
    return _url(f"{name}_changelist", query)


def vendor_breaches_link(vendor: Any, month: str) -> str | None:
    """The tickets a vendor's scorecard counts as breached in a month (opened or resolved in it)."""
    return _url("sla_ticket_changelist", {"vendor": vendor, "breached_month": month}) if vendor else None


def fix_link(gap: dict[str, Any]) -> tuple[str, str | None]:
    """Return (what to do, where) for one data gap of payload["data_quality"]."""
    kind, subject, engagement = gap.get("kind"), gap.get("subject_id"), gap.get("engagement")
    if kind == "missing_bill_rate":
        return "Add a bill rate", _url("billing_contractorrate_add", {"contractor": subject} if subject else None)
    if kind == "missing_internal_rate":
        return "Add an internal rate", _url("billing_internalrate_add", {"person": subject} if subject else None)
    if kind == "missing_exchange_rate":
        return "Add an exchange rate", _url("billing_exchangerate_add", {"currency": gap.get("subject") or ""})
    if kind == "no_sla_policy":
        return "Assign an SLA policy", _url("sla_slaassignment_add", {"engagement": engagement} if engagement else None)
    return "Review", None


def subject_link(gap: dict[str, Any]) -> str | None:
    """Return the admin change page of the gap's subject (contractor, person or engagement)."""
    subject, engagement = gap.get("subject_id"), gap.get("engagement")
    try:
        if gap.get("kind") == "missing_bill_rate" and subject:
            return reverse("admin:engagements_contractor_change", args=[subject])
        if gap.get("kind") == "missing_internal_rate" and subject:
            return reverse("admin:engagements_person_change", args=[subject])
        if engagement:
            return reverse("admin:engagements_engagement_change", args=[engagement])
    except NoReverseMatch:  # pragma: no cover - the admin registers these models
        return None
    return None
