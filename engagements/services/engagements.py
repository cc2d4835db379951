"""Services for vendors, attestations, service areas, people, engagements, contractors and milestones.

Each entity's create/update/delete services are bundled in a WriteServices
(VENDOR, ENGAGEMENT...) that the admin and the API both call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict, Unpack

from engagements.models import ComplianceAttestation, Contractor, Engagement, Milestone, Person, ServiceArea, Vendor
from kernel.services import WriteServices, assign, atomic_service, validated_delete, validated_save

# What each update service may change (every other column is a key or computed).
VENDOR_FIELDS = ("name", "kind", "notes")
ATTESTATION_FIELDS = ("vendor", "type", "issued", "expires", "reference")
SERVICE_AREA_FIELDS = ("name",)
PERSON_FIELDS = ("name", "email", "user")
ENGAGEMENT_FIELDS = (
    "name",
    "vendor",
    "model",
    "service_area",
    "start_date",
    "end_date",
    "currency",
    "owner",
    "cost_center",
    "status",
)
CONTRACTOR_FIELDS = ("engagement", "name", "role", "email")
MILESTONE_FIELDS = ("engagement", "title", "due_date", "delivered_date", "accepted")


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


@atomic_service
def vendor_create(*, name: str, kind: str, notes: str = "") -> Vendor:
    """Record a vendor."""
    return validated_save(Vendor(name=name, kind=kind, notes=notes))


@atomic_service
def vendor_update(*, vendor: Vendor, **fields: Unpack[VendorChanges]) -> Vendor:
    """Change a vendor's name, kind or notes."""
    assign(vendor, fields, allowed=VENDOR_FIELDS)
    return validated_save(vendor)


def vendor_delete(*, vendor: Vendor) -> None:
    """Delete a vendor; refused while engagements name it."""
    validated_delete(vendor)


@atomic_service
def compliance_attestation_create(
    *, vendor: Vendor, type: str, issued: dt.date, expires: dt.date, reference: str = ""
) -> ComplianceAttestation:
    """Record a vendor's compliance attestation (SOC 2, ISO 27001...) and its validity."""
    attestation = ComplianceAttestation(vendor=vendor, type=type, issued=issued, expires=expires, reference=reference)
    return validated_save(attestation)


@atomic_service
def compliance_attestation_update(*, attestation: ComplianceAttestation, **fields: Any) -> ComplianceAttestation:
    """Change an attestation's type, dates or reference."""
    assign(attestation, fields, allowed=ATTESTATION_FIELDS)
    return validated_save(attestation)


def compliance_attestation_delete(*, attestation: ComplianceAttestation) -> None:
    """Delete an attestation."""
    validated_delete(attestation)


@atomic_service
def service_area_create(*, name: str) -> ServiceArea:
    """Record a service area."""
    return validated_save(ServiceArea(name=name))


@atomic_service
def service_area_update(*, area: ServiceArea, **fields: Any) -> ServiceArea:
    """Rename a service area."""
    assign(area, fields, allowed=SERVICE_AREA_FIELDS)
    return validated_save(area)


def service_area_delete(*, area: ServiceArea) -> None:
    """Delete a service area; refused while engagements belong to it."""
    validated_delete(area)


@atomic_service
def person_create(*, name: str, email: str = "", user: Any = None) -> Person:
    """Record an internal person."""
    return validated_save(Person(name=name, email=email, user=user))


@atomic_service
def person_update(*, person: Person, **fields: Any) -> Person:
    """Change a person's name, email or login."""
    assign(person, fields, allowed=PERSON_FIELDS)
    return validated_save(person)


def person_delete(*, person: Person) -> None:
    """Delete a person; refused while their hours or rates are recorded."""
    validated_delete(person)


@atomic_service
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


@atomic_service
def engagement_update(*, engagement: Engagement, **fields: Any) -> Engagement:
    """Change an engagement; dates may not strand recorded entries."""
    assign(engagement, fields, allowed=ENGAGEMENT_FIELDS)
    return validated_save(engagement)


def engagement_delete(*, engagement: Engagement) -> None:
    """Delete an engagement; refused while facts are recorded on it."""
    validated_delete(engagement)


@atomic_service
def contractor_create(*, engagement: Engagement, name: str, role: str = "", email: str = "") -> Contractor:
    """Add a contractor to a staff augmentation engagement."""
    return validated_save(Contractor(engagement=engagement, name=name, role=role, email=email))


@atomic_service
def contractor_update(*, contractor: Contractor, **fields: Unpack[ContractorChanges]) -> Contractor:
    """Change a contractor; the engagement must still be a staff augmentation one."""
    assign(contractor, fields, allowed=CONTRACTOR_FIELDS)
    return validated_save(contractor)


def contractor_delete(*, contractor: Contractor) -> None:
    """Delete a contractor; refused while their hours or rates are recorded."""
    validated_delete(contractor)


@atomic_service
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


@atomic_service
def milestone_update(*, milestone: Milestone, **fields: Any) -> Milestone:
    """Change a milestone's title, dates or acceptance."""
    assign(milestone, fields, allowed=MILESTONE_FIELDS)
    return validated_save(milestone)


@atomic_service
def milestone_deliver(*, milestone: Milestone, delivered_date: dt.date, accepted: bool) -> Milestone:
    """Record a milestone's delivery and whether it was accepted."""
    return milestone_update(milestone=milestone, delivered_date=delivered_date, accepted=accepted)


def milestone_delete(*, milestone: Milestone) -> None:
    """Delete a milestone."""
    validated_delete(milestone)


VENDOR = WriteServices(create=vendor_create, update=vendor_update, delete=vendor_delete, instance="vendor")
ATTESTATION = WriteServices(
    create=compliance_attestation_create,
    update=compliance_attestation_update,
    delete=compliance_attestation_delete,
    instance="attestation",
)
SERVICE_AREA = WriteServices(
    create=service_area_create, update=service_area_update, delete=service_area_delete, instance="area"
)
PERSON = WriteServices(create=person_create, update=person_update, delete=person_delete, instance="person")
ENGAGEMENT = WriteServices(
    create=engagement_create, update=engagement_update, delete=engagement_delete, instance="engagement"
)
CONTRACTOR = WriteServices(
    create=contractor_create, update=contractor_update, delete=contractor_delete, instance="contractor"
)
MILESTONE = WriteServices(
    create=milestone_create, update=milestone_update, delete=milestone_delete, instance="milestone"
)
