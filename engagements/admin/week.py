"""The weekly timesheet: a team's week of hours on one page, with every hour already recorded.

Hand-entered hours (no source) are edited in the grid; hours that arrived by
import or through the API are shown read-only with their source and count in
the totals. Days of closed months and days outside the engagement are locked
before anyone types into them, and a contractor without a bill rate in effect
is flagged on the row. The page's queries do not grow with the team.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
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
from engagements.selectors import closed_months, days_without_bill_rate, entry_warnings
from engagements.services.entries import time_entries_record_week
from kernel.months import first_of, month_label, parse_day, today

DAYS = 7
ZERO = Decimal("0")


class WeekRowForm(forms.Form):
    """One contractor's seven days; the days in `locked` are shown but not taken from the post."""

    contractor = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, locked: frozenset[int] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(DAYS):
            self.fields[f"d{i}"] = forms.DecimalField(
                max_digits=5,
                decimal_places=2,
                required=False,
                min_value=ZERO,
                max_value=Decimal("24"),
                disabled=i in locked,
                widget=forms.NumberInput(attrs={"step": "0.25", "class": "week-hours", "data-day": str(i)}),
            )


WeekFormSet = forms.formset_factory(WeekRowForm, extra=0)


@dataclass
class Cell:
    """A day of a contractor: the hand-entered field, the hours recorded elsewhere, why it is locked."""

    field: forms.BoundField
    imported: list[tuple[str, Decimal]]
    locked: str

    @property
    def imported_hours(self) -> Decimal:
        return sum((hours for _, hours in self.imported), ZERO)


@dataclass
class Row:
    name: str
    form: WeekRowForm
    cells: list[Cell]
    total: Decimal
    rate_warning: str = ""


@dataclass
class Week:
    """What is recorded for a team in a week, read in a constant number of queries."""

    days: list[dt.date]
    manual: dict[int, dict[dt.date, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    imported: dict[int, dict[dt.date, dict[str, Decimal]]] = field(default_factory=lambda: defaultdict(dict))
    locks: dict[int, str] = field(default_factory=dict)  # day index -> why it is locked


def _monday(raw: str | None) -> dt.date:
    # The organisation's today, not the server's: the server may run in UTC. A week that is not a
    # date in the sane years (a typo, 9999-12-31) shows this week rather than overflowing the date range.
    day = parse_day(raw) or today()
    return day - dt.timedelta(days=day.weekday())


def _read_week(engagement: Engagement, days: list[dt.date]) -> Week:
    """Read every hour of the team in the week (any source) and the locked days: two queries."""
    week = Week(days)
    rows = TimeEntry.objects.filter(
        contractor__engagement=engagement, date__gte=days[0], date__lte=days[-1]
    ).values_list("contractor_id", "date", "hours", "source")
    for contractor_id, day, hours, source in rows:
        if source:
            by_source = week.imported[contractor_id].setdefault(day, {})
            by_source[source] = by_source.get(source, ZERO) + hours
        else:
            week.manual[contractor_id][day] = week.manual[contractor_id].get(day, ZERO) + hours
    closed = closed_months(days)
    for i, day in enumerate(days):
        if first_of(day) in closed:
            week.locks[i] = f"{month_label(day)} is closed"
        elif not engagement.covers(day):
            week.locks[i] = "outside the engagement's dates"
    return week


def _rate_warnings(contractors: list[Contractor], week: Week) -> dict[int, str]:
    """Say, per contractor, on which open days of the week no bill rate is in effect (one query)."""
    open_days = [day for i, day in enumerate(week.days) if i not in week.locks]
    pairs = [{"contractor_id": c.pk, "date": day} for c in contractors for day in open_days]
    warnings = {}
    for contractor_id, days in days_without_bill_rate(pairs).items():
        span = "this week" if len(days) == len(open_days) else "on " + ", ".join(f"{d:%a %d}" for d in days)
        warnings[contractor_id] = f"No bill rate in effect {span}: hours are saved but not costed."
    return warnings


def _rows(formset: Any, contractors: list[Contractor], week: Week) -> list[Row]:
    names = {c.pk: c.name for c in contractors}
    warnings = _rate_warnings(contractors, week)
    rows = []
    for form in formset:
        pk = _contractor_id(form)
        cells = [
            Cell(
                field=form[f"d{i}"],
                imported=sorted(week.imported.get(pk or 0, {}).get(day, {}).items()),
                locked=week.locks.get(i, ""),
            )
            for i, day in enumerate(week.days)
        ]
        manual = sum((_number(cell.field.value()) for cell in cells), ZERO)
        total = manual + sum((cell.imported_hours for cell in cells), ZERO)
        rows.append(Row(names.get(pk or 0, "?"), form, cells, total, warnings.get(pk or 0, "")))
    return rows


def _day_totals(rows: list[Row]) -> list[Decimal]:
    return [
        sum((_number(row.cells[i].field.value()) + row.cells[i].imported_hours for row in rows), ZERO)
        for i in range(DAYS)
    ]


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else ZERO
    except ArithmeticError:
        return ZERO


def _save(formset: Any, days: list[dt.date], week: Week, contractors: dict[int, Contractor]) -> list[dict[str, Any]]:
    """Save every row through the service in one transaction; put errors on their cells; return what was saved."""
    failed, saved = False, []
    with transaction.atomic():
        for form in formset:
            contractor = contractors.get(form.cleaned_data["contractor"])
            if contractor is None:
                form.add_error(None, "This contractor is not on the engagement any more: reload the page.")
                failed = True
                continue
            # Locked days are not sent: the guard would refuse a closed month whatever the cell says.
            by_day = {day: form.cleaned_data.get(f"d{i}") for i, day in enumerate(days) if i not in week.locks}
            try:
                time_entries_record_week(contractor=contractor, hours_by_day=by_day)
            except ValidationError as exc:
                failed = True
                for key, errors in exc.message_dict.items():
                    name = f"d{days.index(dt.date.fromisoformat(key))}" if key[:1].isdigit() else None
                    form.add_error(name, errors)
            saved += [{"contractor_id": contractor.pk, "date": day} for day, hours in by_day.items() if hours]
        if failed:
            transaction.set_rollback(True)
    return [] if failed else saved


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
            "this_week": _monday(None),
            "engagements": Engagement.objects.filter(model=DeliveryModel.STAFF_AUG).order_by("name").only("pk", "name"),
        }
        engagement_id = request.GET.get("engagement")
        if not engagement_id or not engagement_id.isdigit():
            return TemplateResponse(request, "admin/engagements/timeentry/week.html", context)
        engagement = get_object_or_404(Engagement, pk=engagement_id, model=DeliveryModel.STAFF_AUG)
        contractors = list(engagement.contractors.order_by("name"))
        week = _read_week(engagement, days)
        locked = frozenset(week.locks)
        initial = [
            {"contractor": c.pk, **{f"d{i}": week.manual[c.pk].get(day) for i, day in enumerate(days)}}
            for c in contractors
        ]
        if request.method == "POST":
            formset = WeekFormSet(request.POST, initial=initial, form_kwargs={"locked": locked})
            if formset.is_valid():
                saved = _save(formset, days, week, {c.pk: c for c in contractors})
                if not any(form.errors for form in formset):
                    messages.success(request, f"Saved the week of {monday:%d %b %Y} for {engagement}.")
                    for warning in entry_warnings(saved):
                        messages.warning(request, warning)
                    return HttpResponseRedirect(request.get_full_path())
        else:
            formset = WeekFormSet(initial=initial, form_kwargs={"locked": locked})
        rows = _rows(formset, contractors, week)
        context.update(
            engagement=engagement,
            formset=formset,
            rows=rows,
            day_totals=_day_totals(rows),
            week_total=sum((row.total for row in rows), ZERO),
            day_heads=[(day, week.locks.get(i, "")) for i, day in enumerate(days)],
        )
        return TemplateResponse(request, "admin/engagements/timeentry/week.html", context)

    return view


def _contractor_id(form: WeekRowForm) -> int | None:
    value = form["contractor"].value()
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
