"""Effective-dated money: contractor bill rates, internal cost rates, monthly fees.

A value is in effect from its date until the next one of the same scope.
Changing one changes every month it is in effect in, so its month keys span
those months: the write guard refuses the change if any of them is closed,
and the audit step marks them all for recompute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth

from billing.models.base import BillingFact, effective_span
from billing.querysets import ContractorRateQuerySet, FeeScheduleQuerySet, InternalRateQuerySet
from engagements.models import Contractor, DeliveryModel, Engagement, OverheadEntry
from engagements.selectors import engagement_dates_for
from kernel.facts import MonthKey

# The rule's message, written once: the model's check and the database trigger (BillingConfig.ready) say it.
FEE_SCHEDULE_MANAGED_ONLY_MESSAGE = "Fee schedules belong to managed service engagements only."


def _money(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


def _next_effective(model: type[models.Model], scope: dict[str, Any]) -> Subquery:
    """Return the effective date of the value that supersedes the outer row (same scope)."""
    later = model._base_manager.filter(**scope, effective_from__gt=OuterRef("effective_from"))
    return Subquery(later.order_by("effective_from").values("effective_from")[:1])


def _successors(objs: Sequence[Any], scope_field: str) -> list[dt.date | None]:
    """Return, for unsaved objects, the effective date of the saved value that would supersede each."""
    model = type(objs[0])
    scopes = {getattr(obj, scope_field) for obj in objs}
    same_scope = Q(**{f"{scope_field}__in": [s for s in scopes if s is not None]})
    if None in scopes:
        same_scope |= Q(**{f"{scope_field}__isnull": True})
    saved = list(model._base_manager.filter(same_scope).values_list("pk", scope_field, "effective_from"))
    result = []
    for obj in objs:
        later = [
            eff
            for pk, scope, eff in saved
            if scope == getattr(obj, scope_field) and pk != obj.pk and obj.effective_from and eff > obj.effective_from
        ]
        result.append(min(later, default=None))
    return result


if TYPE_CHECKING:
    # What the mixin is mixed into, so that mypy checks its calls of the model's methods.
    _SpanBase = BillingFact
else:
    _SpanBase = object


class EngagementSpanMixin(_SpanBase):
    """Month keys of a value tied to one engagement: its effective span inside the engagement's dates."""

    # Set by each model that mixes this in.
    scope_field: str
    engagement_prefix: str
    effective_from: models.DateField

    @classmethod
    def snapshot_extras(cls) -> dict[str, Any]:
        prefix = cls.engagement_prefix
        return {
            "_start": F(f"{prefix}start_date"),
            "_end": F(f"{prefix}end_date"),
            "_until": _next_effective(cls, {cls.scope_field: OuterRef(cls.scope_field)}),
        }

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        engagement_id, effective_from = row.get("_engagement"), row.get("effective_from")
        if engagement_id is None or effective_from is None:
            return set()
        span = effective_span(effective_from, until=row.get("_until"), start=row.get("_start"), end=row.get("_end"))
        return {(engagement_id, month) for month in span}

    @classmethod
    def month_keys_of_objects(cls, objs: Sequence[Self]) -> set[MonthKey]:
        if not objs:
            return set()
        engagement_ids = cls.engagement_ids_of(objs)
        dates = engagement_dates_for([pk for pk in set(engagement_ids) if pk is not None])
        keys: set[MonthKey] = set()
        for obj, engagement_id, until in zip(objs, engagement_ids, _successors(objs, cls.scope_field), strict=True):
            known = dates.get(engagement_id) if engagement_id is not None else None
            start, end = known or (None, None)
            effective_from = obj.effective_from
            row = {"_engagement": engagement_id, "effective_from": effective_from, "_until": until}
            keys |= cls.month_keys({**row, "_start": start, "_end": end})
        return keys


def _positive(field: str, message: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gt": 0}),
        name=f"%(app_label)s_%(class)s_{field}_positive",
        violation_error_message=message,
    )


class ContractorRate(EngagementSpanMixin, BillingFact):
    """A contractor's hourly bill rate, in effect from a date until the next one."""

    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="rates")
    hourly_rate = _money(help_text="Bill rate per hour, in the engagement's currency.")
    effective_from = models.DateField()

    engagement_path = "contractor__engagement_id"
    month_fields = ("effective_from",)
    scope_field = "contractor_id"
    engagement_prefix = "contractor__engagement__"
    objects: ClassVar = ContractorRateQuerySet.as_manager()

    class Meta:
        ordering = ["contractor", "-effective_from"]
        constraints = [
            _positive("hourly_rate", "The hourly rate must be more than 0."),
            models.UniqueConstraint(
                fields=["contractor", "effective_from"],
                name="%(app_label)s_%(class)s_one_per_contractor_and_date",
                violation_error_message="This contractor already has a rate starting on this date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hourly_rate}/h from {self.effective_from}"

    @classmethod
    def engagement_ids_of(cls, objs: Sequence[Self]) -> list[int | None]:
        ids = {obj.contractor_id for obj in objs}
        engagement_of = dict(Contractor.objects.filter(pk__in=ids).values_list("pk", "engagement_id"))
        return [engagement_of.get(obj.contractor_id) for obj in objs]

    def clean(self) -> None:
        if self.hourly_rate is not None and self.hourly_rate <= 0:
            raise ValidationError({"hourly_rate": "The hourly rate must be more than 0."})


class FeeSchedule(EngagementSpanMixin, BillingFact):
    """The flat monthly fee of a managed engagement, in effect from a date until the next one."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="fee_schedules")
    monthly_fee = models.DecimalField(max_digits=12, decimal_places=2)
    effective_from = models.DateField()

    month_fields = ("effective_from",)
    scope_field = "engagement_id"
    engagement_prefix = "engagement__"
    objects: ClassVar = FeeScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["engagement", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_fee__gte=0),
                name="%(app_label)s_%(class)s_monthly_fee_not_negative",
                violation_error_message="The monthly fee cannot be negative.",
            ),
            models.UniqueConstraint(
                fields=["engagement", "effective_from"],
                name="%(app_label)s_%(class)s_one_per_engagement_and_date",
                violation_error_message="This engagement already has a fee starting on this date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.monthly_fee}/month from {self.effective_from}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.monthly_fee is not None and self.monthly_fee < 0:
            errors["monthly_fee"] = "The monthly fee cannot be negative."
        if self.engagement_id and self.engagement.model != DeliveryModel.MANAGED:
            errors["engagement"] = FEE_SCHEDULE_MANAGED_ONLY_MESSAGE
        if errors:
            raise ValidationError(errors)


class InternalRate(BillingFact):
    """An internal person's loaded hourly cost (no person: the organisation default), from a date on."""

    person = models.ForeignKey(
        "engagements.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="internal_rates",
        help_text="Leave empty for the organisation default, used for people without a rate of their own.",
    )
    hourly_cost = _money(help_text="Loaded internal cost per hour.")
    effective_from = models.DateField()

    engagement_path = None
    month_fields = ("effective_from",)
    objects: ClassVar = InternalRateQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-effective_from"]
        constraints = [
            _positive("hourly_cost", "The hourly cost must be more than 0."),
            models.UniqueConstraint(
                fields=["person", "effective_from"],
                name="%(app_label)s_%(class)s_one_per_person_and_date",
                violation_error_message="This person already has a rate starting on this date.",
            ),
            # NULLs are distinct in a unique index, so the default needs its own.
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(person__isnull=True),
                name="%(app_label)s_%(class)s_one_default_per_date",
                violation_error_message="An organisation default rate already starts on this date.",
            ),
        ]

    def __str__(self) -> str:
        who = self.person or "Organisation default"
        return f"{who}: {self.hourly_cost}/h from {self.effective_from}"

    def clean(self) -> None:
        if self.hourly_cost is not None and self.hourly_cost <= 0:
            raise ValidationError({"hourly_cost": "The hourly cost must be more than 0."})

    @classmethod
    def snapshot_extras(cls) -> dict[str, Any]:
        defaults = _next_effective(cls, {"person__isnull": True})
        personal = _next_effective(cls, {"person": OuterRef("person")})
        return {
            "_until": models.Case(
                models.When(person__isnull=True, then=defaults), default=personal, output_field=models.DateField()
            )
        }

    @classmethod
    def month_keys(cls, row: dict[str, Any]) -> set[MonthKey]:
        """Return the engagement-months with overhead hours this rate prices (one query)."""
        effective_from = row.get("effective_from")
        if effective_from is None:
            return set()
        entries = OverheadEntry.objects.filter(date__gte=effective_from)
        if row.get("_until"):
            entries = entries.filter(date__lt=row["_until"])
        # The default prices anyone without a rate of their own: take every
        # person's entries, an over-approximation that costs one query.
        if row.get("person_id") is not None:
            entries = entries.filter(person_id=row["person_id"])
        pairs = entries.order_by().annotate(month=TruncMonth("date")).values_list("engagement_id", "month")
        return set(pairs.distinct())

    @classmethod
    def month_keys_of_objects(cls, objs: Sequence[Self]) -> set[MonthKey]:
        keys: set[MonthKey] = set()
        if not objs:
            return keys
        for obj, until in zip(objs, _successors(objs, "person_id"), strict=True):
            person_id, effective_from = obj.person_id, obj.effective_from
            keys |= cls.month_keys({"person_id": person_id, "effective_from": effective_from, "_until": until})
        return keys
