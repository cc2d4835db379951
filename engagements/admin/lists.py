"""Changelists that answer questions: the same filters on every entry list, and totals of the filtered rows.

The query parameters are an interface: the report's drill-down links (reports)
build them, so they keep their names: `engagement__id__exact`, `contractor`,
`vendor`, `service_area`, `model` and `month=YYYY-MM` (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from engagements.models import Contractor, DeliveryModel, Engagement, ServiceArea, Vendor
from kernel.months import current_month, month_bounds, month_iso, month_label, parse_month, recent_months

RECENT_MONTHS = 12
MonthRows = Callable[[QuerySet[Any], dt.date], QuerySet[Any]]


def _id(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _model(raw: str | None) -> str | None:
    return raw if raw in DeliveryModel.values else None


def related_filter(
    title: str,
    parameter: str,
    path: str,
    choices: Callable[[HttpRequest], Iterable[tuple[Any, str]]],
    parse: Callable[[str | None], Any] = _id,
) -> type[admin.SimpleListFilter]:
    """Build a filter on one related row (`path` is its id's lookup from the listed model).

    A value `parse` refuses (None) is ignored rather than sent to the database:
    a stale or hand-typed link shows the whole list instead of an error page.
    """

    class RelatedFilter(admin.SimpleListFilter):
        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
            return list(choices(request))

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
            value = parse(self.value())
            return queryset.filter(**{path: value}) if value is not None else None

    RelatedFilter.title = title
    RelatedFilter.parameter_name = parameter
    RelatedFilter.__name__ = f"{parameter.title().replace('_', '')}Filter"
    return RelatedFilter


def _engagements(request: HttpRequest) -> Iterable[tuple[int, str]]:
    return Engagement.objects.order_by("name").values_list("pk", "name")


def _contractors(request: HttpRequest) -> Iterable[tuple[int, str]]:
    rows = Contractor.objects.order_by("name", "engagement__name").values_list("pk", "name", "engagement__name")
    engagement = _id(request.GET.get("engagement__id__exact"))
    if engagement is not None:  # a list narrowed to one engagement offers its contractors only
        rows = rows.filter(engagement_id=engagement)
    return [(pk, f"{name} - {engagement}") for pk, name, engagement in rows]


def _vendors(request: HttpRequest) -> Iterable[tuple[int, str]]:
    return Vendor.objects.order_by("name").values_list("pk", "name")


def _service_areas(request: HttpRequest) -> Iterable[tuple[int, str]]:
    return ServiceArea.objects.order_by("name").values_list("pk", "name")


def _models(request: HttpRequest) -> Iterable[tuple[str, str]]:
    return list(DeliveryModel.choices)


def engagement_filters(
    engagement: str, *, contractor: str | None = None, by_model: bool = True
) -> list[type[admin.SimpleListFilter]]:
    """Return the filters by engagement, its model, vendor and service area (and contractor) for a model.

    `engagement` is the lookup of the engagement from the listed model
    ("engagement", "contractor__engagement", "service__engagement"). Rows of
    one delivery model only (time entries: staff augmentation) get no model
    filter, whose other choice could never match.
    """
    filters = [related_filter("engagement", "engagement__id__exact", f"{engagement}__id", _engagements)]
    if contractor is not None:
        filters.append(related_filter("contractor", "contractor", f"{contractor}__id", _contractors))
    if by_model:
        filters.append(related_filter("delivery model", "model", f"{engagement}__model", _models, _model))
    filters += [
        related_filter("vendor", "vendor", f"{engagement}__vendor_id", _vendors),
        related_filter("service area", "service_area", f"{engagement}__service_area_id", _service_areas),
    ]
    return filters


def month_filter(rows: MonthRows, title: str = "month", parameter: str = "month") -> type[admin.SimpleListFilter]:
    """Build a filter on an organisation-local month, `?month=YYYY-MM`; `rows` keeps the rows of a month."""

    class MonthFilter(admin.SimpleListFilter):
        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            months = recent_months(current_month(), RECENT_MONTHS)
            chosen = parse_month(self.value())
            if chosen is not None and chosen not in months:
                months.append(chosen)  # a drill-down link to an older month still shows what is selected
            return [(month_iso(month), month_label(month)) for month in months]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
            month = parse_month(self.value())
            return rows(queryset, month) if month is not None else None

    MonthFilter.title = title
    MonthFilter.parameter_name = parameter
    return MonthFilter


def dated_in(field: str) -> MonthRows:
    """Rows whose date field lies in the month."""

    def rows(queryset: QuerySet[Any], month: dt.date) -> QuerySet[Any]:
        first, last = month_bounds(month)
        return queryset.filter(**{f"{field}__gte": first, f"{field}__lte": last})

    return rows


def in_effect_in(scope: str) -> MonthRows:
    """Effective-dated rows (rates, fees) in effect on some day of the month, within their scope."""

    def rows(queryset: QuerySet[Any], month: dt.date) -> QuerySet[Any]:
        first, last = month_bounds(month)
        superseded = queryset.model._base_manager.filter(
            **{scope: OuterRef(scope)}, effective_from__gt=OuterRef("effective_from"), effective_from__lte=first
        )
        return queryset.filter(effective_from__lte=last).exclude(Exists(superseded))

    return rows


@dataclass(frozen=True)
class Total:
    """A sum shown above a changelist: hours, or an amount summed per currency."""

    label: str
    field: str
    currency: str | None = None  # the lookup of the row's currency; None for hours

    def shown(self, value: Decimal | None, currency: str | None) -> str:
        amount = f"{value or Decimal('0'):,.2f}"
        return f"{currency} {amount}" if self.currency else f"{amount} h"


if TYPE_CHECKING:
    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object


def totals_of(queryset: QuerySet[Any], totals: Sequence[Total]) -> dict[str, Any]:
    """Return the row count and each total of the rows, in one query (grouped by currency when money is summed)."""
    currency = next((total.currency for total in totals if total.currency), None)
    sums = {f"t{i}": Sum(total.field) for i, total in enumerate(totals)}
    rows = queryset.order_by()
    grouped = (
        list(rows.values(currency).annotate(n=Count("pk"), **sums))
        if currency
        else [rows.aggregate(n=Count("pk"), **sums)]
    )
    figures = []
    for i, total in enumerate(totals):
        if total.currency:
            values = [total.shown(row[f"t{i}"], row[currency]) for row in sorted(grouped, key=lambda r: r[currency])]
        else:
            values = [total.shown(sum((row[f"t{i}"] or Decimal("0") for row in grouped), Decimal("0")), None)]
        figures.append({"label": total.label, "values": values or [total.shown(None, "")]})
    return {"rows": sum(row["n"] for row in grouped), "figures": figures}


class ListTotalsMixin(_ModelAdmin):
    """Show the totals of the filtered rows above the changelist (template admin/change_list_totals.html)."""

    list_totals: ClassVar[Sequence[Total]] = ()
    change_list_template = "admin/change_list_totals.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if isinstance(response, TemplateResponse) and context and "cl" in context:
            changelist = context["cl"]
            # Entry tables grow to millions of rows: the unfiltered list is never summed (nor fully counted).
            narrowed = (
                changelist.has_active_filters
                or changelist.query
                or changelist.date_hierarchy in request.GET
                or any(key.startswith(f"{changelist.date_hierarchy}__") for key in request.GET)
            )
            context["list_totals"] = totals_of(changelist.queryset, self.list_totals) if narrowed else {"narrow": True}
        return response
