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
from kernel.months import current_month, parse_month, recent_months
from sla.models import MonitoredService
from sla.selectors import mean_uptime, service_uptime_for


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{round_pct(value)}"


def _hours_minutes(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def uptime_rows(month: dt.date, engagement_id: int | None = None) -> list[dict[str, Any]]:
    """Return one row per engagement active in the month, with its services' uptime (3 dp) and downtime."""
    engagements = Engagement.objects.active_in(month).order_by("name").only("pk", "name")
    if engagement_id is not None:
        engagements = engagements.filter(pk=engagement_id)
    names = {engagement.pk: engagement.name for engagement in engagements}
    per_service = service_uptime_for(list(names), month)
    rows = []
    for engagement_pk, name in names.items():
        services = per_service.get(engagement_pk, [])
        if not services:
            continue
        rows.append(
            {
                "engagement": name,
                "uptime": _pct(mean_uptime(services)),
                "services": [
                    {"name": service.name, "uptime": _pct(uptime), "downtime": _hours_minutes(down)}
                    for service, uptime, down in services
                ],
            }
        )
    return rows


def uptime_view(model_admin: Any) -> Callable[[HttpRequest], HttpResponse]:
    """Build the admin view bound to the MonitoredService admin."""

    def view(request: HttpRequest) -> HttpResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        month = parse_month(request.GET.get("month")) or current_month()
        try:
            engagement_id: int | None = int(request.GET["engagement"])
        except (KeyError, ValueError):
            engagement_id = None
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"Uptime in {month:%B %Y}",
            "opts": MonitoredService._meta,
            "month": month,
            "months": recent_months(current_month(), RECENT_MONTHS),
            "engagement_id": engagement_id,
            "rows": uptime_rows(month, engagement_id),
        }
        return TemplateResponse(request, "admin/sla/monitoredservice/uptime.html", context)

    return view
