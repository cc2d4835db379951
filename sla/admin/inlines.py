"""Inlines whose rows form one set (hours, holidays, tiers, targets, pauses), checked and saved as a whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet
from django.forms.formsets import DELETION_FIELD_NAME

from engagements.admin.base import ServiceBackedInline
from sla.models import CreditTier, Holiday, PriorityTarget, TicketPause, WorkingHours
from sla.services.calendars import WorkingHoursSpec, check_working_hours
from sla.services.policies import CreditTierSpec, check_credit_tiers
from sla.services.tickets import PauseSpec, check_pauses_apart


def kept_rows(formset: BaseInlineFormSet) -> Iterator[dict[str, Any]]:
    """Yield the cleaned data of the rows the formset will keep (not deleted, not blank extras)."""
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        # The DELETE box is what Django's own (private) _should_delete_form reads.
        if not data or (formset.can_delete and data.get(DELETION_FIELD_NAME, False)):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        yield data


class SetFormSet(BaseInlineFormSet):
    """A formset whose rows are validated together by a service-level rule."""

    def check_set(self, rows: list[dict[str, Any]]) -> None:
        """Raise ValidationError when the kept rows break a rule of the whole set."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            self.check_set(list(kept_rows(self)))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class WorkingHoursFormSet(SetFormSet):
    def check_set(self, rows: list[dict[str, Any]]) -> None:
        specs = [WorkingHoursSpec(weekday=row["weekday"], start=row["start"], end=row["end"]) for row in rows]
        check_working_hours(self.instance.always_on, specs)


class CreditTierFormSet(SetFormSet):
    def check_set(self, rows: list[dict[str, Any]]) -> None:
        specs = [CreditTierSpec(below_pct=row["below_pct"], credit_pct=row["credit_pct"]) for row in rows]
        check_credit_tiers(specs, self.instance.uptime_target)


class PauseFormSet(SetFormSet):
    def check_set(self, rows: list[dict[str, Any]]) -> None:
        specs = [PauseSpec(started_at=row["started_at"], ended_at=row["ended_at"]) for row in rows]
        check_pauses_apart(sorted(specs, key=lambda spec: spec["started_at"]))


class WorkingHoursInline(ServiceBackedInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    fields = ["weekday", "start", "end"]
    show_change_link = False


class HolidayInline(ServiceBackedInline):
    model = Holiday
    fields = ["date", "name"]
    show_change_link = False


class CreditTierInline(ServiceBackedInline):
    model = CreditTier
    formset = CreditTierFormSet
    fields = ["below_pct", "credit_pct"]
    show_change_link = False


class PriorityTargetInline(ServiceBackedInline):
    model = PriorityTarget
    fields = ["priority", "response_minutes", "resolution_minutes"]
    show_change_link = False


class TicketPauseInline(ServiceBackedInline):
    model = TicketPause
    formset = PauseFormSet
    fields = ["started_at", "ended_at", "reason"]
    show_change_link = False
