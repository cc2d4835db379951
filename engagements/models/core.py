"""Vendors, service areas, people, engagements and contractors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from engagements.querysets import EngagementQuerySet, ParentFactQuerySet, moved_fact_keys
from kernel.currencies import ISO_4217_CODES
from kernel.facts import MonthKey, RecordedFact
from kernel.months import months_between, today

# Messages of rules the model and the database (triggers registered in EngagementsConfig.ready) both enforce.
ENTRIES_OUTSIDE_DATES_MESSAGE = "Entries are recorded outside these dates; move or delete them first."
CONTRACTORS_STAFF_AUG_ONLY_MESSAGE = "Contractors can only be added to staff augmentation engagements."
CONTRACTOR_ENTRIES_OUTSIDE_MESSAGE = (
    "This contractor's time entries would lie outside the engagement's dates; move or delete them first."
)
MOVED_FACTS_CLOSED_PREFIX = "Moving it to another engagement would move facts recorded in a closed month."


class VendorKind(models.TextChoices):
    STAFFING = "staffing", "Staffing agency"
    MSP = "msp", "Managed service provider"
    BOTH = "both", "Both"


class Vendor(RecordedFact):
    """A staffing agency or managed service provider."""

    engagement_path = None
    month_fields = ()

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=VendorKind.choices)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=VendorKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message="Kind must be staffing, msp or both.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AttestationType(models.TextChoices):
    SOC2_TYPE2 = "soc2_type2", "SOC 2 Type II"
    ISO_27001 = "iso_27001", "ISO 27001"
    HIPAA_BAA = "hipaa_baa", "HIPAA BAA"
    PCI_DSS = "pci_dss", "PCI DSS"
    OTHER = "other", "Other"


class ComplianceAttestation(RecordedFact):
    """A vendor's compliance attestation (SOC 2, ISO 27001...) with its validity."""

    engagement_path = None
    month_fields = ()

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="attestations")
    type = models.CharField(max_length=20, choices=AttestationType.choices)
    issued = models.DateField()
    expires = models.DateField()
    reference = models.CharField(max_length=200, blank=True, help_text="Report or certificate number.")

    class Meta:
        ordering = ["expires"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires__gt=F("issued")),
                name="%(app_label)s_%(class)s_expires_after_issued",
                violation_error_message="An attestation must expire after it was issued.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.vendor}, expires {self.expires})"

    def clean(self) -> None:
        if self.issued and self.expires and self.expires <= self.issued:
            raise ValidationError({"expires": "An attestation must expire after it was issued."})


class ServiceArea(RecordedFact):
    """What an engagement delivers ("Help desk"): the axis of a like-for-like comparison."""

    engagement_path = None
    month_fields = ()

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(RecordedFact):
    """An internal person whose time on engagements is overhead."""

    engagement_path = None
    month_fields = ()

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(email=""),
                name="%(app_label)s_%(class)s_email_unique",
                violation_error_message="Another person already has this email address.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryModel(models.TextChoices):
    STAFF_AUG = "staff_aug", "Staff augmentation"
    MANAGED = "managed", "Managed service"


class EngagementStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"


# Checks of a changed engagement against facts other apps record on it (sla's tickets), registered by
# those apps: the admin and the API then answer on the field instead of the database's trigger refusing
# the save. Each returns {field: message} (empty: nothing stranded).
EngagementCheck = Callable[["Engagement"], dict[str, str]]
_recorded_fact_checks: list[EngagementCheck] = []


def register_engagement_check(check: EngagementCheck) -> None:
    """Let an app refuse an engagement change that would strand the facts it records (on the field)."""
    if check not in _recorded_fact_checks:
        _recorded_fact_checks.append(check)


class Engagement(RecordedFact):
    """One contract with one vendor, of one delivery model, for one service area."""

    engagement_path = "id"
    month_fields = ()
    # Changing these changes every month's figures (fees prorate by dates,
    # the report groups by model and area, costs are in the currency).
    WHOLE_SPAN_FIELDS: ClassVar[frozenset[str]] = frozenset({"model", "currency", "vendor_id", "service_area_id"})

    name = models.CharField(max_length=200, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="engagements")
    model = models.CharField(max_length=10, choices=DeliveryModel.choices)
    service_area = models.ForeignKey(ServiceArea, on_delete=models.PROTECT, related_name="engagements")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Leave empty while open-ended.")
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD, EUR.")
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_engagements"
    )
    cost_center = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE)

    objects: ClassVar = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # API-wide, kept here with the app every other builds on: the API's ordinary resources need it for
        # GET besides their view permission (settings.API_READ_PERMISSION), so viewing in the admin does not
        # mean reading everything through the API (Operations holds it, Leadership does not).
        permissions = [("read_api", "Can read every resource of the API")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="%(app_label)s_%(class)s_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=Q(currency__in=ISO_4217_CODES),
                name="%(app_label)s_%(class)s_currency_iso4217",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
            models.CheckConstraint(
                condition=Q(model__in=DeliveryModel.values),
                name="%(app_label)s_%(class)s_model_valid",
                violation_error_message="Model must be staff_aug or managed.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.currency:
            self.currency = self.currency.strip().upper()
            if self.currency not in ISO_4217_CODES:
                errors["currency"] = f"{self.currency!r} is not an ISO 4217 currency code (e.g. USD, EUR, GBP)."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        if errors:
            raise ValidationError(errors)
        if self.pk:
            self._clean_against_recorded_facts()

    def _clean_against_recorded_facts(self) -> None:
        """Refuse changes that would strand facts already recorded on this engagement."""
        from engagements.models.entries import OverheadEntry, TimeEntry

        if self.model != DeliveryModel.STAFF_AUG and self.contractors.exists():
            raise ValidationError(
                {"model": "This engagement has contractors; only staff augmentation engagements can have them."}
            )
        outside = Q(date__lt=self.start_date)
        if self.end_date:
            outside |= Q(date__gt=self.end_date)
        if (
            TimeEntry.objects.filter(contractor__engagement=self).filter(outside).exists()
            or OverheadEntry.objects.filter(engagement=self).filter(outside).exists()
        ):
            raise ValidationError({"start_date": ENTRIES_OUTSIDE_DATES_MESSAGE})
        for check in _recorded_fact_checks:
            errors = check(self)
            if errors:
                raise ValidationError(errors)

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return every month from the start to the end (or today): a changed engagement is recomputed whole."""
        engagement_id, start = row.get("_engagement"), row.get("start_date")
        if engagement_id is None or start is None:
            return set()
        last = min(row["end_date"], today()) if row.get("end_date") else today()
        return {(engagement_id, month) for month in months_between(start, max(start, last))}

    @classmethod
    def guarded_keys(cls, old: dict[str, Any] | None, new: dict[str, Any] | None) -> set[MonthKey]:
        """Return only the months whose figures a change alters, so renaming never touches a closed month."""
        if old is None or new is None:
            return set()  # a new engagement has no facts yet; one with facts cannot be deleted (PROTECT)
        if any(old.get(name) != new.get(name) for name in cls.WHOLE_SPAN_FIELDS):
            return cls.month_keys(old) | cls.month_keys(new)
        now, keys = today(), set()
        for name in ("start_date", "end_date"):
            before, after = old.get(name) or now, new.get(name) or now
            if before != after:
                keys |= {(new["_engagement"], m) for m in months_between(min(before, after), max(before, after))}
        return keys

    def covers(self, day: dt.date) -> bool:
        """Return whether a date lies within the engagement's start and end dates."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class FactParent(RecordedFact):
    """A row other facts reach their engagement through (a contractor's hours, a service's outages).

    Moving it to another engagement moves those facts: the move is guarded and
    marked in the months of the facts under both engagements (`moved_fact_keys`
    over the `_fact_months` its snapshots carry), on every write path.
    """

    objects: ClassVar = ParentFactQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def guarded_keys(cls, old: dict[str, Any] | None, new: dict[str, Any] | None) -> set[MonthKey]:
        return super().guarded_keys(old, new) | moved_fact_keys(old, new)

    def moved_from(self) -> int | None:
        """Return the engagement this saved row is being moved away from (None if it is not moving)."""
        if self.pk is None or self._state.adding:
            return None
        key = "engagement_id"  # every parent names its engagement so (not a literal: the model is abstract)
        stored = type(self)._base_manager.filter(pk=self.pk).values_list(key, flat=True).first()
        return stored if stored is not None and stored != getattr(self, "engagement_id", None) else None

    def clean_move(self) -> dict[str, list[str]]:
        """Return the field error of a move whose facts touch a closed month of either engagement."""
        if self.moved_from() is None:
            return {}
        try:
            # Checked here for a field message; the scope remembers it, so full_clean does not repeat it.
            type(self).check_guards(moved_fact_keys(*self.current_rows()))
        except ValidationError as exc:
            return {"engagement": [f"{MOVED_FACTS_CLOSED_PREFIX} {message}" for message in exc.messages]}
        return {}


class Contractor(FactParent):
    """An augmented staff member working on a staff augmentation engagement."""

    month_fields = ()

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="contractors")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"],
                name="%(app_label)s_%(class)s_name_unique_per_engagement",
                violation_error_message="This engagement already has a contractor with this name.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.engagement})"

    def clean(self) -> None:
        if self.engagement_id and self.engagement.model != DeliveryModel.STAFF_AUG:
            raise ValidationError({"engagement": CONTRACTORS_STAFF_AUG_ONLY_MESSAGE})
        if self.engagement_id and self.moved_from() is not None:
            errors = self._clean_entries_inside(self.engagement) or self.clean_move()
            if errors:
                raise ValidationError(errors)

    def _clean_entries_inside(self, engagement: Engagement) -> dict[str, list[str]]:
        """Refuse a move that leaves time entries outside the new engagement's dates."""
        outside = Q(date__lt=engagement.start_date)
        if engagement.end_date:
            outside |= Q(date__gt=engagement.end_date)
        count = self.time_entries.filter(outside).count()
        if not count:
            return {}
        end = engagement.end_date.isoformat() if engagement.end_date else "open-ended"
        dates = f"{engagement.start_date.isoformat()} to {end}"
        return {
            "engagement": [
                (
                    f"{count} of this contractor's time entries would lie outside {engagement.name}'s dates "
                    f"({dates}); move or delete them first."
                )
            ]
        }
