"""Filters shared by every resource: `?month=YYYY-MM`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django.db import models
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object
from kernel.api.fields import parse_month
from kernel.months import month_window, next_month


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
