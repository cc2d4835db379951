"""Services for monitored services and their outages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from engagements.models import Engagement
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save
from sla.models import MonitoredService, Outage

OUTAGE_FIELDS = ("service", "started_at", "ended_at", "planned", "reason", "source", "external_id")


@atomic_service
def monitored_service_create(
    *, engagement: Engagement, name: str, business_impact_per_hour: Decimal | None = None
) -> MonitoredService:
    """Start tracking the uptime of a service of an engagement."""
    return validated_save(
        MonitoredService(engagement=engagement, name=name, business_impact_per_hour=business_impact_per_hour)
    )


@atomic_service
def monitored_service_update(*, service: MonitoredService, **fields: Any) -> MonitoredService:
    """Rename a monitored service or change its business impact per hour."""
    assign(service, fields, allowed=("engagement", "name", "business_impact_per_hour"))
    return validated_save(service)


def monitored_service_delete(*, service: MonitoredService) -> None:
    """Stop tracking a service; refused while it has outages."""
    validated_delete(service)


@atomic_service
def outage_save(*, outage: Outage) -> Outage:
    """Validate and save an outage built elsewhere (the admin's form)."""
    return validated_save(outage)


@atomic_service
def outage_create(
    *,
    service: MonitoredService,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    planned: bool = False,
    reason: str = "",
    source: str = "",
    external_id: str = "",
) -> Outage:
    """Record downtime of a monitored service (ended_at None while it is ongoing)."""
    outage = Outage(
        service=service,
        started_at=started_at,
        ended_at=ended_at,
        planned=planned,
        reason=reason,
        source=source,
        external_id=external_id,
    )
    return outage_save(outage=outage)


@atomic_service
def outage_update(*, outage: Outage, **fields: Any) -> Outage:
    """Change an outage, e.g. record when an ongoing one ended."""
    assign(outage, fields, allowed=OUTAGE_FIELDS)
    return outage_save(outage=outage)


@atomic_service
def outage_upsert(*, source: str, external_id: str, **fields: Any) -> tuple[Outage, str]:
    """Create or update the outage with this source and external id; return it and created/updated/unchanged."""
    if not external_id:
        raise ValidationError({"external_id": "An external id is needed to match an outage on import."})
    outage = Outage.objects.filter(source=source, external_id=external_id).first()
    if outage is None:
        return outage_create(source=source, external_id=external_id, **fields), "created"
    if all(getattr(outage, name) == value for name, value in fields.items()):
        return outage, "unchanged"
    return outage_update(outage=outage, **fields), "updated"


def outage_delete(*, outage: Outage) -> None:
    """Delete an outage."""
    validated_delete(outage)


MONITORED_SERVICE = WriteServices(
    create=monitored_service_create,
    update=monitored_service_update,
    delete=monitored_service_delete,
    instance="service",
)
OUTAGE = WriteServices(create=outage_create, update=outage_update, delete=outage_delete, instance="outage")
