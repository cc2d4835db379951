"""The API kit every app's `api/` package builds on (the v1 contract of docs/api.md).

Permissions, pagination, safe fields, the month filter, service-backed viewsets,
batch upserts, the one error shape and the bounded JSON parser; `config/api.py` gathers the apps' resources under `/api/v1/`.
"""

from kernel.api.batch import (
    BatchErrorSerializer,
    BatchListSerializer,
    BatchUpsertMixin,
    UpsertResultSerializer,
    UpsertSchema,
)
from kernel.api.errors import (
    Conflict,
    ErrorsSerializer,
    PayloadTooLarge,
    RowErrorSerializer,
    ServiceUnavailable,
    error_body,
    exception_handler,
    flatten_errors,
    message_body,
)
from kernel.api.fields import (
    CURRENCY_FIELD,
    MAX_BATCH,
    MAX_ID,
    MAX_YEAR,
    MIN_YEAR,
    BatchPrimaryKeyRelatedField,
    MonthField,
    ResourceSerializer,
    SaneDateField,
    SaneDateTimeField,
    StrictFieldsMixin,
    StrictSerializer,
    bounded,
    parse_month,
)
from kernel.api.filters import MonthFilter
from kernel.api.pagination import LargeTablePagination, PagePagination
from kernel.api.parsers import SafeJSONParser
from kernel.api.permissions import ADD, CHANGE, DELETE, VIEW, ModelPermission
from kernel.api.viewsets import ApiViewMixin, ReadOnlyViewSet, ServiceViewSet, django_error_detail

__all__ = [
    "ADD",
    "CHANGE",
    "CURRENCY_FIELD",
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
    "Conflict",
    "ErrorsSerializer",
    "LargeTablePagination",
    "ModelPermission",
    "MonthField",
    "MonthFilter",
    "PagePagination",
    "PayloadTooLarge",
    "ReadOnlyViewSet",
    "ResourceSerializer",
    "RowErrorSerializer",
    "SafeJSONParser",
    "SaneDateField",
    "SaneDateTimeField",
    "ServiceUnavailable",
    "ServiceViewSet",
    "StrictFieldsMixin",
    "StrictSerializer",
    "UpsertResultSerializer",
    "UpsertSchema",
    "bounded",
    "django_error_detail",
    "error_body",
    "exception_handler",
    "flatten_errors",
    "message_body",
    "parse_month",
]
