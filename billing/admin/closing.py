"""The checks shown before a month is closed: what is still open, missing or out of date in it.

Each check is a function of the month returning a `CloseCheck` (a title, how many rows, the first few with
links, a link to all of them). Billing registers its own (open outages, unresolved tickets, missing
invoices) below; higher layers register theirs from the wiring layer (data gaps and stale snapshots come
from reports, which billing may not import). Checks only warn: the close service enforces the rules, and
the person closing acknowledges the warnings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.timezone import localtime

from billing.selectors.attention import engagements_without_invoice
from kernel.months import month_label, month_window
from sla.attention import open_outages_in, unresolved_tickets_of
from sla.models import Outage

# Rows listed per check; the link shows them all.
SHOWN = 5


@dataclass(frozen=True)
class Finding:
    """One row a check found, with where to fix it."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class CloseCheck:
    """One check of a month before closing: what it looks at and what it found."""

    key: str
    title: str
    count: int
    findings: list[Finding] = field(default_factory=list)
    url: str | None = None  # every row found (a filtered list)
    hint: str = ""  # what to do about it

    @property
    def ok(self) -> bool:
        return self.count == 0

    @property
    def more(self) -> int:
        return max(self.count - len(self.findings), 0)


Check = Callable[[dt.date], CloseCheck]
_checks: list[tuple[int, Check]] = []


def register_close_check(check: Check, *, order: int) -> None:
    """Add a check to the close screen (AppConfig.ready of the wiring layer); `order` sorts them."""
    if all(existing is not check for _, existing in _checks):
        _checks.append((order, check))
        _checks.sort(key=lambda pair: pair[0])


def close_checks(month: dt.date) -> list[CloseCheck]:
    """Run every registered check for a month, in their order."""
    return [check(month) for _, check in _checks]


def admin_url(name: str, *args: Any, query: dict[str, Any] | None = None) -> str:
    """Return an admin URL by name, with a query string."""
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _month_end(month: dt.date) -> str:
    """The instant the month ends in the organisation's zone, for a list filter (local field lookups are allowed)."""
    return month_window(month)[1].isoformat()


def outage_finding(outage: Outage) -> Finding:
    """One open outage as a line of a check: service, engagement, since when (local time), linked to the outage."""
    return Finding(
        f"{outage.service.name} ({outage.service.engagement.name}) down since {localtime(outage.started_at):%Y-%m-%d %H:%M}",
        admin_url("sla_outage_change", outage.pk),
    )


def open_outages_check(month: dt.date) -> CloseCheck:
    """Outages started by the month's end and not ended: the month's downtime and credits are not final."""
    rows = open_outages_in(month)
    return CloseCheck(
        key="open_outages",
        title="Open outages",
        count=rows.count(),
        findings=[outage_finding(outage) for outage in rows[:SHOWN]],
        url=admin_url("sla_outage_changelist", query={"ended_at__isnull": "True", "started_at__lt": _month_end(month)}),
        hint="Enter the end time of outages that are over.",
    )


def unresolved_tickets_check(month: dt.date) -> CloseCheck:
    """Tickets opened by the month's end and not resolved: their SLA outcome may still move."""
    rows = unresolved_tickets_of(month)
    return CloseCheck(
        key="unresolved_tickets",
        title="Unresolved tickets",
        count=rows.count(),
        findings=[
            Finding(
                f"{ticket.priority} {ticket.summary or ticket.external_id or f'#{ticket.pk}'} "
                f"({ticket.engagement.name}), opened {localtime(ticket.opened_at):%Y-%m-%d}",
                admin_url("sla_ticket_change", ticket.pk),
            )
            for ticket in rows[:SHOWN]
        ],
        url=admin_url(
            "sla_ticket_changelist", query={"resolved_at__isnull": "True", "opened_at__lt": _month_end(month)}
        ),
        hint="Record the resolutions that happened; tickets still open stay counted in the backlog.",
    )


def missing_invoices_check(month: dt.date) -> CloseCheck:
    """Engagements active in the month without their vendor's invoice for it."""
    rows = engagements_without_invoice(month)
    period = month.replace(day=1).isoformat()
    return CloseCheck(
        key="missing_invoices",
        title=f"Invoices missing for {month_label(month)}",
        count=rows.count(),
        findings=[
            Finding(
                f"{engagement.name} ({engagement.vendor.name}): no invoice for {month_label(month)}",
                admin_url("billing_invoice_add", query={"engagement": engagement.pk, "period": period}),
            )
            for engagement in rows[:SHOWN]
        ],
        url=admin_url("billing_invoice_changelist", query={"month": f"{month:%Y-%m}"}),
        hint="Record each invoice (the link opens the form for that engagement and month).",
    )


register_close_check(open_outages_check, order=20)
register_close_check(unresolved_tickets_check, order=30)
register_close_check(missing_invoices_check, order=40)
