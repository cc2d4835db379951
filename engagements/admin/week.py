"""The weekly timesheet: a contractor's (or a whole team's) week of hours on one page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from engagements.models import Contractor, DeliveryModel, Engagement, TimeEntry
from engagements.services.entries import time_entries_record_week
from kernel.months import today

DAYS = 7


class WeekRowForm(forms.Form):
    """One contractor's seven days."""

    contractor = forms.ModelChoiceField(queryset=Contractor.objects.all(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(DAYS):
            self.fields[f"d{i}"] = forms.DecimalField(
                max_digits=5,
                decimal_places=2,
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("24"),
                widget=forms.NumberInput(attrs={"step": "0.25", "style": "width:5em"}),
            )


WeekFormSet = forms.formset_factory(WeekRowForm, extra=0)


def _monday(raw: str | None) -> dt.date:
    try:
        day = dt.date.fromisoformat(raw) if raw else today()
    except ValueError:
        day = today()
    return day - dt.timedelta(days=day.weekday())


def _manual_hours(engagement: Engagement, monday: dt.date) -> dict[int, dict[dt.date, Decimal]]:
    rows = TimeEntry.objects.filter(
        contractor__engagement=engagement, date__gte=monday, date__lt=monday + dt.timedelta(days=DAYS), source=""
    ).values_list("contractor_id", "date", "hours")
    hours: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    for contractor_id, day, value in rows:
        hours[contractor_id][day] = hours[contractor_id].get(day, Decimal("0")) + value
    return hours


def _save(formset: Any, days: list[dt.date]) -> bool:
    """Save every row through the service in one transaction; put errors on their cells."""
    failed = False
    with transaction.atomic():
        for form in formset:
            by_day = {day: form.cleaned_data.get(f"d{i}") for i, day in enumerate(days)}
            try:
                time_entries_record_week(contractor=form.cleaned_data["contractor"], hours_by_day=by_day)
            except ValidationError as exc:
                failed = True
                for key, errors in exc.message_dict.items():
                    field = f"d{days.index(dt.date.fromisoformat(key))}" if key[:1].isdigit() else None
                    form.add_error(field, errors)
        if failed:
            transaction.set_rollback(True)
    return not failed


def week_view(model_admin: Any) -> Callable[[HttpRequest], HttpResponse]:
    """Build the admin view bound to the TimeEntry admin."""

    def view(request: HttpRequest) -> HttpResponse:
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        monday = _monday(request.GET.get("week"))
        days = [monday + dt.timedelta(days=i) for i in range(DAYS)]
        context: dict[str, Any] = {
            **model_admin.admin_site.each_context(request),
            "title": "Enter a week of hours",
            "opts": TimeEntry._meta,
            "days": days,
            "monday": monday,
            "previous_week": monday - dt.timedelta(days=DAYS),
            "next_week": monday + dt.timedelta(days=DAYS),
            "engagements": Engagement.objects.filter(model=DeliveryModel.STAFF_AUG).only("pk", "name"),
        }
        engagement_id = request.GET.get("engagement")
        if not engagement_id:
            return TemplateResponse(request, "admin/engagements/timeentry/week.html", context)
        engagement = get_object_or_404(Engagement, pk=engagement_id, model=DeliveryModel.STAFF_AUG)
        contractors = list(engagement.contractors.order_by("name"))
        if request.method == "POST":
            formset = WeekFormSet(request.POST)
            if formset.is_valid() and _save(formset, days):
                messages.success(request, f"Saved the week of {monday:%d %b %Y} for {engagement}.")
                return HttpResponseRedirect(request.get_full_path())
        else:
            hours = _manual_hours(engagement, monday)
            initial = [
                {"contractor": c.pk, **{f"d{i}": hours[c.pk].get(day) for i, day in enumerate(days)}}
                for c in contractors
            ]
            formset = WeekFormSet(initial=initial)
        names = {c.pk: c.name for c in contractors}
        rows = [(names.get(_contractor_id(form), "?"), form) for form in formset]
        context.update(engagement=engagement, formset=formset, rows=rows)
        return TemplateResponse(request, "admin/engagements/timeentry/week.html", context)

    return view


def _contractor_id(form: WeekRowForm) -> int | None:
    value = form["contractor"].value()
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
