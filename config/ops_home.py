"""The operations home: the admin index as the Operations staff's start page.

The tasks of a day as one-click starts, and what needs attention, each with a link to the rows concerned:
the data gaps of last month and this one (reports), outages open for more than a day and tickets about to
breach (sla), compliance attestations expiring within 60 days (engagements), and invoices missing for last
month (billing). Each read is its app's selector, a constant number of queries whatever the number of rows.
The wiring layer may import every app, so the home and the close screen's reports-based checks live here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from billing.admin.closing import (
    SHOWN,
    CloseCheck,
    Finding,
    admin_url,
    missing_invoices_check,
    outage_finding,
    register_close_check,
)
from engagements.selectors import attestations_expiring
from kernel.months import add_months, current_month, month_label, today
from reports.selectors import data_gaps, month_status
from sla.attention import NearBreach, long_open_outages, tickets_near_breach

# Attestations expiring within this many days are listed.
ATTESTATION_NOTICE_DAYS = 60


@dataclass(frozen=True)
class Start:
    """One task of the day, one click away."""

    label: str
    url: str
    hint: str


def _report_url(month: dt.date) -> str:
    return reverse("reports:month", kwargs={"month": f"{month:%Y-%m}"})


def gap_url(gap: dict[str, Any]) -> str | None:
    """Return where a data gap is fixed or its rows are listed (the report's data_quality dicts)."""
    month, engagement = gap["month"], gap.get("engagement")
    if gap["kind"] == "missing_bill_rate" and gap.get("subject_id"):
        return admin_url("engagements_timeentry_changelist", query={"contractor": gap["subject_id"], "month": month})
    if gap["kind"] == "missing_internal_rate" and engagement:
        return admin_url(
            "engagements_overheadentry_changelist", query={"engagement__id__exact": engagement, "month": month}
        )
    if gap["kind"] == "missing_exchange_rate":
        return admin_url("billing_exchangerate_add", query={"currency": gap["subject"], "month": f"{month}-01"})
    if gap["kind"] == "no_sla_policy" and engagement:
        return admin_url("sla_ticket_changelist", query={"engagement__id__exact": engagement, "opened_month": month})
    return None


def data_gaps_check(month: dt.date) -> CloseCheck:
    """The month's data gaps (domain.md "Data completeness"), from its stored snapshots."""
    gaps = data_gaps(month)
    return CloseCheck(
        key="data_gaps",
        title=f"Data gaps in {month_label(month)}",
        count=len(gaps),
        findings=[Finding(gap["message"], gap_url(gap)) for gap in gaps[:SHOWN]],
        url=_report_url(month),
        hint="Figures that miss a rate or a policy are left out of the totals: add what is missing.",
    )


def stale_snapshots_check(month: dt.date) -> CloseCheck:
    """Whether the month's stored figures are older than its facts (they never move once it is closed)."""
    status = month_status(month)
    findings = []
    if status.state == "missing":
        findings.append(Finding("No figures have been computed for this month.", _report_url(month)))
    elif status.stale:
        waiting = (
            f"{status.pending_marks} changed engagement-month(s) wait" if status.pending_marks else "Newer figures wait"
        )
        findings.append(Finding(f"{waiting} for the recompute: recompute before closing.", _report_url(month)))
    return CloseCheck(
        key="stale_snapshots",
        title="Stale figures",
        count=len(findings),
        findings=findings,
        url=_report_url(month),
        hint="Closing freezes the figures as they are: use Recompute now on the report page first.",
    )


def register_checks() -> None:
    """Add the reports-based checks to the close screen (WiringConfig.ready)."""
    register_close_check(data_gaps_check, order=10)
    register_close_check(stale_snapshots_check, order=50)


def hours_minutes(minutes: Decimal) -> str:
    """Show business minutes as h:mm ("-0:05" once past)."""
    whole = int(abs(minutes))
    return f"{'-' if minutes < 0 else ''}{whole // 60}:{whole % 60:02d}"


def _near_breach_text(item: NearBreach) -> str:
    ticket = item.ticket
    left = "past" if item.left_minutes < 0 else "left"
    return (
        f"{ticket.priority} {ticket.summary or ticket.external_id or f'#{ticket.pk}'} ({ticket.engagement.name}): "
        f"{hours_minutes(abs(item.left_minutes))} {left} of the {hours_minutes(Decimal(item.target_minutes))} "
        f"{item.clock} target"
    )


def tickets_near_breach_item() -> CloseCheck:
    items = tickets_near_breach()
    return CloseCheck(
        key="near_breach",
        title="Tickets about to breach",
        count=len(items),
        findings=[
            Finding(_near_breach_text(item), admin_url("sla_ticket_change", item.ticket.pk)) for item in items[:SHOWN]
        ],
        url=admin_url("sla_ticket_changelist", query={"state": "running"}),
        hint="Under a quarter of the target left on the clock that still runs (business time, as of now).",
    )


def long_open_outages_item() -> CloseCheck:
    rows = long_open_outages()
    return CloseCheck(
        key="long_outages",
        title="Outages open for more than a day",
        count=rows.count(),
        findings=[outage_finding(outage) for outage in rows[:SHOWN]],
        url=admin_url("sla_outage_changelist", query={"ongoing": "yes"}),
        hint="Enter the end time of those that are over.",
    )


def attestations_item() -> CloseCheck:
    until = today() + dt.timedelta(days=ATTESTATION_NOTICE_DAYS)
    rows = attestations_expiring(until)
    return CloseCheck(
        key="attestations",
        title=f"Attestations expiring within {ATTESTATION_NOTICE_DAYS} days",
        count=rows.count(),
        findings=[
            Finding(
                f"{row.vendor.name}: {row.get_type_display()} "
                f"{'expired' if row.expires < today() else 'expires'} {row.expires:%Y-%m-%d}",
                admin_url("engagements_complianceattestation_change", row.pk),
            )
            for row in rows[:SHOWN]
        ],
        url=admin_url("engagements_complianceattestation_changelist"),
        hint="Ask the vendor for the renewed report and record it.",
    )


def _attention(user: Any) -> list[CloseCheck]:
    """What needs attention, as far as the user may see the rows."""
    last = add_months(current_month(), -1)
    builders = [
        ("reports.view_comparisonreport", lambda: data_gaps_check(last)),
        ("reports.view_comparisonreport", lambda: data_gaps_check(current_month())),
        ("sla.view_outage", long_open_outages_item),
        ("sla.view_ticket", tickets_near_breach_item),
        ("engagements.view_complianceattestation", attestations_item),
        ("billing.view_invoice", lambda: missing_invoices_check(last)),
    ]
    return [build() for perm, build in builders if user.has_perm(perm)]


def _url(name: str, fallback: str | None = None, query: str = "") -> str | None:
    try:
        return reverse(f"admin:{name}") + query
    except NoReverseMatch:
        return _url(fallback, None, query) if fallback else None


def _starts(user: Any) -> list[Start]:
    """The day's tasks the user may do, each one click away."""
    month = current_month()
    candidates = [
        (
            "engagements.add_timeentry",
            "Enter a week of hours",
            "engagements_timeentry_week",
            None,
            "",
            "A team's week on one page",
        ),
        ("sla.add_outage", "Record an outage", "sla_outage_add", None, "", "A service down, from when to when"),
        ("sla.add_ticket", "Log a ticket", "sla_ticket_add", None, "", "Opened, responded, resolved"),
        (
            "imports.import_data",
            "Import a file",
            "imports_importfile_upload",
            "imports_importfile_add",
            "",
            "Harvest, Toggl, Jira, UptimeRobot...",
        ),
        (
            "billing.close_period",
            "Close a month",
            "billing_period_close",
            None,
            "",
            "Checks first, then one confirmation",
        ),
        (
            "sla.view_monitoredservice",
            "See this month's uptime",
            "sla_monitoredservice_uptime",
            None,
            f"?month={month:%Y-%m}",
            f"Every service in {month_label(month)}",
        ),
    ]
    starts = []
    for perm, label, name, fallback, query, hint in candidates:
        url = _url(name, fallback, query) if user.has_perm(perm) else None
        if url:
            starts.append(Start(label, url, hint))
    return starts


def shows_ops_home(user: Any) -> bool:
    """The home is for people who record facts (Operations) and superusers."""
    return bool(user.is_active and (user.is_superuser or user.has_perm("engagements.add_timeentry")))


def ops_home_context(request: HttpRequest) -> dict[str, Any]:
    """The operations home's part of the admin index context (empty for anyone else)."""
    user = request.user
    if not shows_ops_home(user):
        return {}
    attention = _attention(user)
    return {
        "ops_starts": _starts(user),
        "ops_attention": attention,
        "ops_attention_count": sum(not item.ok for item in attention),
    }
