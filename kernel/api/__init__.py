"""The API kit every app's `api/` package builds on (the v1 contract of docs/api.md).

Permissions, pagination, safe fields, the month filter, service-backed viewsets and
batch upserts; `config/api.py` gathers the apps' resources under `/api/v1/`.
"""

from kernel.api.batch import (
    BatchErrorSerializer,
    BatchListSerializer,
    BatchUpsertMixin,
    RowErrorSerializer,
    UpsertResultSerializer,
    UpsertSchema,
    flatten_errors,
)
from kernel.api.fields import (
    MAX_BATCH,
    MAX_ID,
    MAX_YEAR,
    MIN_YEAR,
    BatchPrimaryKeyRelatedField,
    MonthField,
    ResourceSerializer,
    SaneDateField,
    SaneDateTimeField,
    parse_month,
)
from kernel.api.filters import MonthFilter
from kernel.api.pagination import LargeTablePagination, PagePagination
from kernel.api.permissions import ADD, CHANGE, DELETE, VIEW, ModelPermission
from kernel.api.viewsets import ApiViewMixin, ReadOnlyViewSet, ServiceViewSet, django_error_detail

__all__ = [
    "ADD",
    "CHANGE",
    "DELETE",
    "MAX_BATCH",
    "MAX_ID",
    "MAX_YEAR",
    "MIN_YEAR",
    "VIEW",
    "ApiViewMixin",
    "BatchErrorSerializer",
    "BatchListSerializer",
    "BatchPrimaryKeyRelatedField",
    "BatchUpsertMixin",
    "LargeTablePagination",
    "ModelPermission",
    "MonthField",
    "MonthFilter",
    "PagePagination",
    "ReadOnlyViewSet",
    "ResourceSerializer",
    "RowErrorSerializer",
    "SaneDateField",
    "SaneDateTimeField",
    "ServiceViewSet",
    "UpsertResultSerializer",
    "UpsertSchema",
    "django_error_detail",
    "flatten_errors",
    "parse_month",
]
