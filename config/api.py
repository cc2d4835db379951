"""The v1 API's shared parts: roles, pagination, batch upserts, safe fields, and the URL aggregation.

Each app's `api/` package builds its resources on these; `config/urls.py`
includes this module under `api/`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.urls import include, path
from django.urls.resolvers import RoutePattern, URLPattern, URLResolver
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from engagements.actor import acting_as
from engagements.importers.upserts import BatchRejected, RowProblem, UpsertOutcome
from engagements.roles import LEADERSHIP, OPERATIONS
from engagements.services.common import assign
from engagements.services.engagements import record_delete, record_save

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).
    from rest_framework.permissions import _PermissionClass

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object

# The largest id a bigint column holds: bigger ids are "not found", never a crash.
MAX_ID = 2**63 - 1
# Dates and instants outside these years are typing mistakes, and month
# arithmetic over millennia would mark thousands of months for recompute.
MIN_YEAR, MAX_YEAR = 1900, 2199
# A batch beyond this is refused: send several batches instead.
MAX_BATCH = 5_000


# --- roles ------------------------------------------------------------------------------------


def roles_of(request: Request) -> set[str]:
    """Return the role groups of the request's user (one query, cached on the request)."""
    cached = getattr(request._request, "_api_roles", None)
    if cached is None:
        cached = set(request.user.groups.filter(name__in=[OPERATIONS, LEADERSHIP]).values_list("name", flat=True))
        # Cached on the HttpRequest the way Django caches the user: an attribute the stubs do not declare.
        request._request._api_roles = cached  # type: ignore[attr-defined]
    return cached


class RolePermission(BasePermission):
    """Operations may do everything; Leadership may read views marked `leadership_may_read`; others 403."""

    message = "Your account is in neither the Operations nor (for this resource) the Leadership group."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            # False for an anonymous request becomes 401 (token authentication is first).
            return False
        if user.is_superuser:
            return True
        roles = roles_of(request)
        if OPERATIONS in roles:
            return True
        return LEADERSHIP in roles and request.method in SAFE_METHODS and getattr(view, "leadership_may_read", False)


# --- pagination -------------------------------------------------------------------------------


class PagePagination(PageNumberPagination):
    """Numbered pages for the small tables."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class LargeTablePagination(CursorPagination):
    """Cursor pages for the large tables: no COUNT, stable while rows are added."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"


# --- safe fields ------------------------------------------------------------------------------


def _check_year(value: dt.date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}.")


class SaneDateField(serializers.DateField):
    """A date within sane years."""

    def to_internal_value(self, value: Any) -> dt.date:
        result = super().to_internal_value(value)
        _check_year(result)
        return result


class SaneDateTimeField(serializers.DateTimeField):
    """An instant within sane years; a string without offset is in the organisation's zone."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="an ISO 8601 timestamp")
        _check_year(result)
        return result


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-04"})
class MonthField(serializers.Field):
    """A month written `YYYY-MM`, held as the first day of the month."""

    default_error_messages = {"invalid": "Enter a month as YYYY-MM."}

    def to_internal_value(self, data: Any) -> dt.date:
        try:
            month = dt.datetime.strptime(str(data), "%Y-%m").date()
        except ValueError:
            self.fail("invalid")
        _check_year(month)
        return month

    def to_representation(self, value: dt.date | str) -> str:
        return value[:7] if isinstance(value, str) else f"{value:%Y-%m}"


def parse_month(raw: str) -> dt.date:
    """Return the first day of a `YYYY-MM` month, or raise a 400."""
    try:
        return MonthField().to_internal_value(raw)
    except serializers.ValidationError as exc:
        raise ValidationError({"month": exc.detail}) from None


class BatchPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id, looked up once for a whole batch (one query, not one per row)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < pk <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        found = self._batch().get(pk)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found

    def _batch(self) -> dict[int, Any]:
        """Load every id of this field in the request's rows at once; cache it in the context."""
        cache = self.context.setdefault("_batch_fk", {})
        key = (id(self.parent.__class__), self.field_name)
        if key not in cache:
            rows = getattr(self.root, "initial_data", None)
            rows = rows if isinstance(rows, list) else [rows]
            ids = set()
            for row in rows:
                raw = row.get(self.field_name) if isinstance(row, dict) else None
                # Only what to_internal_value would look up: ints and digit strings.
                if isinstance(raw, bool) or not isinstance(raw, int | str):
                    continue
                with contextlib.suppress(ValueError):
                    if 0 < (pk := int(raw)) <= MAX_ID:
                        ids.add(pk)
            queryset = self.get_queryset()
            assert queryset is not None, "a writable related field has a queryset"
            cache[key] = queryset.in_bulk(ids) if ids else {}
        return cache[key]


class ResourceSerializer(serializers.ModelSerializer):
    """Base serializer: shapes data only; uniqueness and every other rule is the services' (full_clean)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: SaneDateField,
        models.DateTimeField: SaneDateTimeField,
    }
    serializer_related_field = BatchPrimaryKeyRelatedField

    def get_validators(self) -> list[Any]:
        return []

    def build_field(self, field_name: str, info: Any, model_class: Any, nested_depth: int) -> Any:
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        # The model's rules answer uniqueness (one query per batch, with their own messages).
        if "validators" in kwargs:
            kwargs["validators"] = [v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)]
        return field_class, kwargs


# --- filters ----------------------------------------------------------------------------------


def month_window(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the UTC instants bounding an organisation-local month (start inclusive, end exclusive)."""
    zone = timezone.get_default_timezone()
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(dt.UTC),
        dt.datetime.combine(after, dt.time(), tzinfo=zone).astimezone(dt.UTC),
    )


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
        after = (month + dt.timedelta(days=32)).replace(day=1)
        return qs.filter(**{f"{self.field_name}__gte": month, f"{self.field_name}__lt": after})


# --- viewsets ---------------------------------------------------------------------------------


def record_update(*, instance: models.Model, **fields: Any) -> models.Model:
    """Change a record's fields and save it through the generic validated path."""
    assign(instance, fields)
    return record_save(instance=instance)


def django_error_detail(exc: DjangoValidationError) -> Any:
    """Return a DRF error body for a Django ValidationError (field messages, else non_field_errors)."""
    return serializers.as_serializer_error(exc)


class ApiViewMixin(_APIView):
    """Roles, audit actor, and Django errors as 400s for every API view."""

    permission_classes: Sequence[_PermissionClass] = [RolePermission]
    leadership_may_read: ClassVar[bool] = False
    _actor_stack: contextlib.ExitStack | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Token users are known only now (after the middleware ran): attribute writes to them.
        self._actor_stack = contextlib.ExitStack()
        label = f"api {request.method} {request.path}"[:200]
        self._actor_stack.enter_context(acting_as(request.user, label=label))

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if self._actor_stack is not None:
            self._actor_stack.close()
            self._actor_stack = None
        return super().finalize_response(request, response, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(django_error_detail(exc))
        elif isinstance(exc, DjangoPermissionDenied):
            exc = DRFPermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


class ServiceViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """A resource whose writes call services: subclasses set create_service, update_service, delete_service."""

    pagination_class: type[BasePagination] | None = PagePagination
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    delete_service: ClassVar[Callable[..., Any] | None] = None
    # The keyword under which the update and delete services take the instance.
    instance_kwarg: ClassVar[str] = "instance"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        create = type(self).create_service
        assert create is not None, f"{type(self).__name__} has no create_service"
        created = create(**self.service_arguments(serializer.validated_data))
        serializer.instance = self.refetch(created)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        fields = self.service_arguments(serializer.validated_data)
        instance, update = serializer.instance, type(self).update_service
        assert instance is not None, "an update serializer holds its instance"
        if update is None:
            changed = record_update(instance=instance, **fields)
        else:
            changed = update(**{self.instance_kwarg: instance}, **fields)
        serializer.instance = self.refetch(changed)

    def perform_destroy(self, instance: models.Model) -> None:
        delete = type(self).delete_service
        if delete is None:
            record_delete(instance=instance)
        else:
            delete(**{self.instance_kwarg: instance})

    def refetch(self, instance: models.Model) -> models.Model:
        """Reload a written row through the view's queryset (its joins and annotations) for the answer."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def service_arguments(self, validated: dict[str, Any]) -> dict[str, Any]:
        """Return the keyword arguments of the create/update service (override to reshape)."""
        return dict(validated)


class ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only resource."""

    pagination_class: type[BasePagination] | None = PagePagination


# --- batch upserts ----------------------------------------------------------------------------


def flatten_errors(row: int, detail: Any, prefix: str = "") -> list[RowProblem]:
    """Return a serializer's error detail for one row as flat (row, field, message) problems."""
    if isinstance(detail, dict):
        problems = []
        for name, value in detail.items():
            if isinstance(name, int) or str(name).isdigit():
                dotted = f"{prefix}[{name}]"
            else:
                label = None if name == "non_field_errors" else str(name)
                dotted = f"{prefix}.{label}" if prefix and label else (label or prefix)
            problems += flatten_errors(row, value, dotted)
        return problems
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) for item in detail):
            problems = []
            for index, item in enumerate(detail):
                problems += flatten_errors(row, item, f"{prefix}[{index}]")
            return problems
        return [RowProblem(row, prefix or None, str(message)) for message in detail]
    return [RowProblem(row, prefix or None, str(detail))]


class UpsertResultSerializer(serializers.Serializer):
    """What a batch did."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField(), help_text="The rows' ids, in the order sent.")


class RowErrorSerializer(serializers.Serializer):
    """One problem of one row."""

    row = serializers.IntegerField(allow_null=True, help_text="Index of the row in the list sent (0 = first).")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class BatchErrorSerializer(serializers.Serializer):
    """Why a batch was refused (nothing of it was stored)."""

    # A declared field: DRF's serializer metaclass moves it out of the class, so
    # it never hides the `errors` property the stubs see it overriding.
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


class UpsertSchema(AutoSchema):
    """OpenAPI of a list POST that takes one object or a list, and answers a row or the batch's counts."""

    def _is_upsert(self) -> bool:
        return self.method == "POST" and getattr(self.view, "action", None) == "create"

    def _get_request_for_media_type(
        self, serializer: Any, direction: Literal["request", "response"] = "request"
    ) -> Any:
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if self._is_upsert() and schema is not None:
            schema = {"oneOf": [schema, {"type": "array", "items": schema, "minItems": 1, "maxItems": MAX_BATCH}]}
            required = True
        return schema, required

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> Any:
        bodies = super()._get_response_bodies(direction)
        if not self._is_upsert():
            return bodies
        assert isinstance(self.view, GenericAPIView), "only resource viewsets upsert"
        item_class = self.view.get_serializer_class()
        assert issubclass(item_class, serializers.Serializer), "a resource serializer describes one row"
        item = self.resolve_serializer(item_class(), "response").ref
        result = self.resolve_serializer(UpsertResultSerializer(), "response").ref
        errors = self.resolve_serializer(BatchErrorSerializer(), "response").ref
        return {
            "201": {"content": {"application/json": {"schema": item}}, "description": "One object, created."},
            "200": {
                "content": {"application/json": {"schema": {"anyOf": [item, result]}}},
                "description": "One object, updated or unchanged; or a list's counts.",
            },
            "400": {"content": {"application/json": {"schema": errors}}, "description": "Bad rows; nothing stored."},
        }


class BatchUpsertMixin(_GenericAPIView):
    """List POST: one object or a JSON list, upserted on (source, external_id), all or nothing.

    Subclasses implement `upsert(rows)` with the validated rows (index, data)
    and return an UpsertOutcome, raising BatchRejected for bad rows.
    """

    schema: ViewInspector | None = UpsertSchema()
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]

    def upsert(self, rows: list[tuple[int, dict[str, Any]]]) -> UpsertOutcome:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            payload = request.data
        except ParseError as exc:
            return _rejected([RowProblem(None, None, str(exc.detail))])
        many = isinstance(payload, list)
        items = payload if many else [payload]
        if not items:
            return _rejected([RowProblem(None, None, "The list is empty: send at least one object.")])
        if len(items) > MAX_BATCH:
            return _rejected([RowProblem(None, None, f"Send at most {MAX_BATCH} rows per request.")])
        context = self.get_serializer_context()
        batch = BatchListSerializer(child=self.get_serializer_class()(context=context), data=items, context=context)
        batch.is_valid()
        problems = [p for index, detail in sorted(batch.row_errors.items()) for p in flatten_errors(index, detail)]
        try:
            with transaction.atomic():
                outcome = self.upsert(batch.valid_rows)
                if problems:
                    # The good rows were checked by the services too; store none of them.
                    raise BatchRejected([])
        except BatchRejected as exc:
            problems += exc.problems
        if problems:
            return _rejected(sorted(problems, key=lambda p: (p.row is not None, p.row or 0)))
        if not many:
            body = self.get_serializer(outcome.objects[0]).data
            code = status.HTTP_201_CREATED if outcome.statuses[0] == "created" else status.HTTP_200_OK
            return Response(body, status=code)
        return Response(
            {
                "created": outcome.count("created"),
                "updated": outcome.count("updated"),
                "unchanged": outcome.count("unchanged"),
                "ids": [obj.pk for obj in outcome.objects],
            }
        )


class BatchListSerializer(serializers.ListSerializer):
    """Validate every row of a batch, keeping the good rows and each bad row's errors."""

    def to_internal_value(self, data: Any) -> list[Any]:
        self.valid_rows: list[tuple[int, dict[str, Any]]] = []
        self.row_errors: dict[int, Any] = {}
        for index, item in enumerate(data):
            try:
                self.valid_rows.append((index, self.run_child_validation(item)))
            except ValidationError as exc:
                self.row_errors[index] = exc.detail
        return [row for _, row in self.valid_rows]


def _rejected(problems: Sequence[RowProblem]) -> Response:
    return Response({"errors": [problem.as_dict() for problem in problems]}, status=status.HTTP_400_BAD_REQUEST)


# --- URLs -------------------------------------------------------------------------------------


class ApiRoot(ApiViewMixin, APIView):
    """List the v1 resources."""

    leadership_may_read = True
    schema = None
    resources: ClassVar[tuple[str, ...]] = (
        "vendors",
        "service-areas",
        "people",
        "internal-rates",
        "engagements",
        "contractors",
        "contractor-rates",
        "time-entries",
        "overhead-entries",
        "milestones",
        "fee-schedules",
        "one-time-charges",
        "calendars",
        "sla-policies",
        "services",
        "outages",
        "tickets",
        "invoices",
        "exchange-rates",
        "periods",
        "audit",
        "snapshots",
        "reports",
        "recompute",
        "imports",
    )

    def get(self, request: Request) -> Response:
        """List the resources' URLs."""
        base = request.build_absolute_uri("/api/v1/")
        return Response({name: f"{base}{name}/" for name in self.resources})


def lazy_include(module: str) -> URLResolver:
    """Include a URL module when first resolved, not when imported (the apps' API modules import this one)."""
    return URLResolver(RoutePattern("", is_endpoint=False), module)


v1: list[URLPattern | URLResolver] = [
    path("", ApiRoot.as_view(), name="api-root"),
    lazy_include("engagements.api.urls"),
    lazy_include("sla.api.urls"),
    lazy_include("billing.api.urls"),
    lazy_include("reports.api.urls"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
