"""Services for vendors, engagements, contractors, people and milestones."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict, Unpack

from django.db import transaction

from engagements.models import Contractor, Engagement, Milestone, Person, ServiceArea, Vendor
from kernel.services import assign, validated_delete, validated_save


class VendorChanges(TypedDict, total=False):
    """The fields of a vendor that vendor_update changes (any subset)."""

    name: str
    kind: str
    notes: str


class ContractorChanges(TypedDict, total=False):
    """The fields of a contractor that contractor_update changes (any subset)."""

    engagement: Engagement
    name: str
    role: str
    email: str


@transaction.atomic
def vendor_create(*, name: str, kind: str, notes: str = "") -> Vendor:
    """Record a vendor."""
    return validated_save(Vendor(name=name, kind=kind, notes=notes))


@transaction.atomic
def vendor_update(*, vendor: Vendor, **fields: Unpack[VendorChanges]) -> Vendor:
    """Change a vendor's name, kind or notes."""
    assign(vendor, fields)
    return validated_save(vendor)


@transaction.atomic
def service_area_create(*, name: str) -> ServiceArea:
    """Record a service area."""
    return validated_save(ServiceArea(name=name))


@transaction.atomic
def person_create(*, name: str, email: str = "", user: Any = None) -> Person:
    """Record an internal person."""
    return validated_save(Person(name=name, email=email, user=user))


@transaction.atomic
def engagement_create(
    *,
    name: str,
    vendor: Vendor,
    model: str,
    service_area: ServiceArea,
    start_date: dt.date,
    end_date: dt.date | None = None,
    currency: str = "USD",
    owner: Person | None = None,
    cost_center: str = "",
    status: str = "active",
) -> Engagement:
    """Record an engagement of either delivery model."""
    engagement = Engagement(
        name=name,
        vendor=vendor,
        model=model,
        service_area=service_area,
        start_date=start_date,
        end_date=end_date,
        currency=currency,
        owner=owner,
        cost_center=cost_center,
        status=status,
    )
    return validated_save(engagement)


@transaction.atomic
def engagement_update(*, engagement: Engagement, **fields: Any) -> Engagement:
    """Change an engagement; dates may not strand recorded entries."""
    assign(engagement, fields)
    return validated_save(engagement)


@transaction.atomic
def contractor_create(*, engagement: Engagement, name: str, role: str = "", email: str = "") -> Contractor:
    """Add a contractor to a staff augmentation engagement."""
    return validated_save(Contractor(engagement=engagement, name=name, role=role, email=email))


@transaction.atomic
def contractor_update(*, contractor: Contractor, **fields: Unpack[ContractorChanges]) -> Contractor:
    """Change a contractor; the engagement must still be a staff augmentation one."""
    assign(contractor, fields)
    return validated_save(contractor)


@transaction.atomic
def milestone_create(
    *,
    engagement: Engagement,
    title: str,
    due_date: dt.date,
    delivered_date: dt.date | None = None,
    accepted: bool = False,
) -> Milestone:
    """Record a milestone."""
    milestone = Milestone(
        engagement=engagement, title=title, due_date=due_date, delivered_date=delivered_date, accepted=accepted
    )
    return validated_save(milestone)


@transaction.atomic
def milestone_deliver(*, milestone: Milestone, delivered_date: dt.date, accepted: bool) -> Milestone:
    """Record a milestone's delivery and whether it was accepted."""
    assign(milestone, {"delivered_date": delivered_date, "accepted": accepted})
    return validated_save(milestone)


def record_save(*, instance: Any) -> Any:
    """Validate and save any recorded instance (the admin's generic save path)."""
    with transaction.atomic():
        return validated_save(instance)


def record_delete(*, instance: Any) -> None:
    """Delete any recorded instance; refused while other records depend on it."""
    validated_delete(instance)
