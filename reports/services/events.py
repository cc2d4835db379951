"""Notable events of a report month: SLA breaches, credits and their claims, invoice variances, expiring attestations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q

from billing.models import CreditStatus, Invoice, Reconciliation, ServiceCredit
from engagements.models import ComplianceAttestation, DeliveryModel
from kernel.months import add_months, last_day_of, month_label
from reports.models import MonthlySnapshot
from reports.services.builder.words import money, plural
from sla.selectors import policy_timelines_for

ATTESTATION_WARNING_DAYS = 60
# Credits still open (not denied, not applied) are listed for this many months.
OPEN_CREDIT_MONTHS = 12
KIND_ORDER = {"uptime": 0, "breach": 1, "credit": 2, "invoice": 3, "attestation": 4}


def _event(
    kind: str, day: dt.date, text: str, engagement: str = "", severity: str = "warning", why: str = ""
) -> dict[str, Any]:
    """One event; `why` says why an event dated outside the report month is listed in it."""
    return {
        "kind": kind,
        "date": day.isoformat(),
        "engagement": engagement,
        "text": text,
        "severity": severity,
        "why": why,
    }


def _uptime_events(month: dt.date, month_end: dt.date, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    monitored = {row["engagement_id"]: row for row in current if row["uptime_pct"] is not None}
    if not monitored:
        return []
    unrounded = dict(
        MonthlySnapshot.objects.filter(month=month, engagement_id__in=list(monitored)).values_list(
            "engagement_id", "inputs__uptime_pct"
        )
    )
    timelines = policy_timelines_for(list(monitored))
    events = []
    for pk, row in sorted(monitored.items()):
        last_day = min(month_end, row["end_date"] or month_end)
        policy = timelines.policy_on(pk, last_day)
        raw = unrounded.get(pk)
        if policy is None or raw is None or Decimal(str(raw)) >= policy.uptime_target:
            continue
        text = f"Uptime {row['uptime_pct']}% below the {policy.uptime_target}% target of {policy.name}"
        if row["credit"]:
            text += f"; service credit {money(row['credit'], row['currency'])} ({row['credit_pct']}% of the fee)"
        events.append(_event("uptime", month_end, text + ".", row["name"], "alert"))
    return events


def _breach_events(month_end: dt.date, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One event per engagement whose tickets breached: tickets counted once, the misses of each kind apart."""
    events = []
    for row in current:
        if not row["breached_tickets"]:
            continue
        misses = []
        if row["response_breaches"]:
            misses.append(f"{row['response_breaches']:,} missed the response target")
        if row["resolution_breaches"]:
            misses.append(f"{row['resolution_breaches']:,} missed the resolution target")
        text = f"{plural(row['breached_tickets'], 'ticket')} breached the SLA ({', '.join(misses)})."
        events.append(_event("breach", month_end, text, row["name"]))
    return events


def _credit_events(month: dt.date, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    open_statuses = [CreditStatus.ELIGIBLE, CreditStatus.CLAIMED, CreditStatus.GRANTED]
    credits = list(
        ServiceCredit.objects.filter(
            Q(month=month)
            | Q(status__in=open_statuses, month__gte=add_months(month, -OPEN_CREDIT_MONTHS), month__lt=month)
        )
        .select_related("engagement__vendor")
        .order_by("month", "engagement__name")
    )
    events, in_ledger = [], set()
    for credit in credits:
        if credit.month == month:
            in_ledger.add(credit.engagement_id)
        engagement = credit.engagement
        why = (
            ""
            if credit.month == month
            else f"Still open: a credit stays listed until applied or denied, for up to {OPEN_CREDIT_MONTHS} months."
        )
        events.append(
            _event(
                "credit",
                credit.month,
                f"Service credit {money(credit.amount, engagement.currency)} owed by {engagement.vendor} for "
                f"{month_label(credit.month)}: {credit.get_status_display().lower()}.",
                engagement.name,
                "info" if credit.status in (CreditStatus.APPLIED, CreditStatus.GRANTED) else "warning",
                why,
            )
        )
    for row in current:
        if row["model"] == DeliveryModel.MANAGED and row["credit"] and row["engagement_id"] not in in_ledger:
            events.append(
                _event(
                    "credit",
                    month,
                    f"Service credit {money(row['credit'], row['currency'])} earned for {month_label(month)}: "
                    "not yet assessed in the credit ledger.",
                    row["name"],
                )
            )
    return events


def _invoice_events(month: dt.date) -> list[dict[str, Any]]:
    invoices = (
        Invoice.objects.filter(period=month, reconciliation__in=[Reconciliation.OVER, Reconciliation.UNDER])
        .select_related("engagement__vendor")
        .order_by("engagement__name")
    )
    return [
        _event(
            "invoice",
            month,
            f"Invoice {invoice.number} from {invoice.engagement.vendor}: billed "
            f"{money(invoice.amount, invoice.engagement.currency)}, expected "
            f"{money(invoice.expected_amount or 0, invoice.engagement.currency)} "
            f"(variance {invoice.engagement.currency} {invoice.variance or 0:+,.2f}).",
            invoice.engagement.name,
        )
        for invoice in invoices
    ]


def _attestation_events(month_end: dt.date, current: list[dict[str, Any]], month: dt.date) -> list[dict[str, Any]]:
    vendors = {row["vendor"] for row in current}
    if not vendors:
        return []
    horizon = month_end + dt.timedelta(days=ATTESTATION_WARNING_DAYS)
    attestations = (
        ComplianceAttestation.objects.filter(vendor__name__in=vendors, expires__gte=month, expires__lte=horizon)
        .select_related("vendor")
        .order_by("expires", "vendor__name")
    )
    events = []
    for attestation in attestations:
        days = (attestation.expires - month_end).days
        when = "expired" if days <= 0 else f"expires in {days} days"
        why = (
            ""
            if days <= 0
            else f"Listed ahead: attestations expiring within {ATTESTATION_WARNING_DAYS} days of the month's end."
        )
        events.append(
            _event(
                "attestation",
                attestation.expires,
                f"{attestation.get_type_display()} of {attestation.vendor} {when} ({attestation.expires}).",
                "",
                "alert" if days <= 0 else "warning",
                why,
            )
        )
    return events


def notable_events(month: dt.date, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the month's notable events in date order (a constant number of queries).

    Events dated before the month (credits still open) or after it (attestations
    about to expire) say why they are listed (`why`).
    """
    month_end = last_day_of(month)
    current = [row for row in rows if row["month"] == month]
    events = (
        _uptime_events(month, month_end, current)
        + _breach_events(month_end, current)
        + _credit_events(month, current)
        + _invoice_events(month)
        + _attestation_events(month_end, current, month)
    )
    return sorted(events, key=lambda e: (e["date"], KIND_ORDER[e["kind"]], e["engagement"], e["text"]))
