"""The monthly uptime page: every monitored service's uptime for a chosen month, per engagement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from engagements.admin.lists import RECENT_MONTHS
from engagements.models import Engagement
from kernel.money import round_pct
from kernel.months import current_month, last_day_of, parse_month, previous_month, recent_months, today
from sla.calendar.credits import CreditTier, credit_pct
from sla.calendar.uptime import uptime_met
from sla.models import MonitoredService, SLAPolicy
from sla.selectors import mean_uptime, policy_timelines_for, service_uptime_for


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{round_pct(value)}"


def _hours_minutes(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _tier(uptime: Decimal | None, policy: SLAPolicy | None) -> tuple[str, Decimal]:
    """Return the credit tier uptime falls in (as people read it) and the credit %, the way the engine picks it."""
    if policy is None:
        return "no SLA policy", Decimal(0)
    tiers = [CreditTier(tier.below_pct, tier.credit_pct) for tier in policy.credit_tiers.all()]
    pct = credit_pct(uptime, tiers, policy.max_credit_pct)
    under = [tier for tier in tiers if uptime is not None and uptime < tier.below_pct]
    if not under:
        return "none: at or above every tier", pct
    tier = min(under, key=lambda t: t.below_pct)
    return f"below {round_pct(tier.below_pct)}%: {round_pct(tier.credit_pct)}%", pct


def uptime_rows(month: dt.date, engagement_id: int | None = None) -> list[dict[str, Any]]:
    """Return one row per engagement active in the month: its services' uptime against the target, tier and credit.

    The policy is the one in effect on the engagement's last active day of the
    month, as the credit engine takes it (sla.selectors.credit_pct_for).
    """
    engagements = Engagement.objects.active_in(month).order_by("name").only("pk", "name", "start_date", "end_date")
    if engagement_id is not None:
        engagements = engagements.filter(pk=engagement_id)
    listed = list(engagements)
    per_service = service_uptime_for([e.pk for e in listed], month)
    timelines = policy_timelines_for([e.pk for e in listed])
    rows = []
    for engagement in listed:
        services = per_service.get(engagement.pk, [])
        if not services:
            continue
        last_day = min(last_day_of(month), engagement.end_date or last_day_of(month))
        policy = timelines.policy_on(engagement.pk, last_day)
        target = policy.uptime_target if policy else None
        uptime = mean_uptime(services)
        tier, credit = _tier(uptime, policy)
        rows.append(
            {
                "engagement": engagement.name,
                "engagement_id": engagement.pk,
                "policy": policy.name if policy else "",
                "target": _pct(target),
                "uptime": _pct(uptime),
                "met": uptime_met(uptime, target) if target is not None else None,
                "tier": tier,
                "credit_pct": f"{round_pct(credit)}",
                "services": [
                    {
                        "name": service.name,
                        "uptime": _pct(service_uptime),
                        "downtime": _hours_minutes(down),
                        "met": uptime_met(service_uptime, target) if target is not None else None,
                    }
                    for service, service_uptime, down in services
                ],
            }
        )
    return rows


def uptime_view(model_admin: Any) -> Callable[[HttpRequest], HttpResponse]:
    """Build the admin view bound to the MonitoredService admin."""

    def view(request: HttpRequest) -> HttpResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        # The last complete month by default: the current one is still filling up.
        month = parse_month(request.GET.get("month")) or previous_month(current_month())
        try:
            engagement_id: int | None = int(request.GET["engagement"])
        except (KeyError, ValueError):
            engagement_id = None
        # The current month is still filling up: say its figures run to date and may change.
        to_date = month == current_month()
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"Uptime in {month:%B %Y}" + (" (to date, provisional)" if to_date else ""),
            "opts": MonitoredService._meta,
            "month": month,
            "to_date": to_date,
            "today": today(),
            "future": month > current_month(),
            "months": recent_months(current_month(), RECENT_MONTHS),
            "engagement_id": engagement_id,
            "rows": uptime_rows(month, engagement_id),
        }
        return TemplateResponse(request, "admin/sla/monitoredservice/uptime.html", context)

    return view
