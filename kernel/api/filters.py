"""Filters shared by every resource: `?month=YYYY-MM`, and dates and instants within sane years."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db import models
from django_filters.fields import IsoDateTimeField

from kernel.api.fields import MAX_YEAR, MIN_YEAR, parse_month
from kernel.months import month_window, next_month

_YEARS = f"Enter a value between the years {MIN_YEAR} and {MAX_YEAR}."


class SaneDateField(forms.DateField):
    """A date query parameter within sane years (the database's range is not the user's)."""

    def to_python(self, value: Any) -> dt.date | None:
        result = super().to_python(value)
        if result is not None and not MIN_YEAR <= result.year <= MAX_YEAR:
            raise forms.ValidationError(_YEARS, code="invalid")
        return result


class SaneIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant query parameter within sane years, handed to the database in UTC.

    Python accepts offsets up to 23:59 and PostgreSQL only up to 15:59: in UTC
    every offset a client may send is one the database reads.
    """

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            raise forms.ValidationError(_YEARS, code="invalid")
        return result.astimezone(dt.UTC) if result.tzinfo else result


class SaneDateFilter(django_filters.DateFilter):
    """`?date_from=YYYY-MM-DD` and the like, refusing years no fact can have."""

    field_class = SaneDateField


class SaneDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`?opened_from=<ISO 8601>` and the like, refusing years no fact can have."""

    field_class = SaneIsoDateTimeField


class IdFilter(django_filters.NumberFilter):
    """`?object_id=12`: a whole, positive id (NumberFilter's decimal field would take 1.5 or 1e-308)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class MonthFilter(django_filters.CharFilter):
    """`?month=YYYY-MM`: rows whose date (or instant, in the organisation's zone) falls in the month."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "A month as YYYY-MM.")
        super().__init__(*args, **kwargs)

    def filter(self, qs: models.QuerySet, value: str) -> models.QuerySet:
        if not value:
            return qs
        month = parse_month(value)
        model_field = qs.model._meta.get_field(self.field_name) if "__" not in self.field_name else None
        if isinstance(model_field, models.DateTimeField):
            start, end = month_window(month)
            return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})
        return qs.filter(**{f"{self.field_name}__gte": month, f"{self.field_name}__lt": next_month(month)})
