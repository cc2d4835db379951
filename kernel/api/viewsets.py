"""The base views: permissions, audit actor, Django errors as 400s, writes through services."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from rest_framework import serializers, viewsets
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.actor import acting_as
from kernel.services import WriteServices

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).
    from rest_framework.permissions import _PermissionClass

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object
from kernel.api.pagination import PagePagination
from kernel.api.permissions import ModelPermission


def django_error_detail(exc: DjangoValidationError) -> Any:
    """Return a DRF error body for a Django ValidationError (field messages, else non_field_errors)."""
    return serializers.as_serializer_error(exc)


class ApiViewMixin(_APIView):
    """Permissions, audit actor, and Django errors as 400s for every API view."""

    permission_classes: Sequence[_PermissionClass] = [ModelPermission]
    # What a request needs, by action or HTTP method, where the model's permissions are not it (ModelPermission).
    required_permissions: ClassVar[Mapping[str, Sequence[str]]] = {}
    # The block that attributes the request's writes to its user: open from initial() to the end of dispatch().
    _actor_stack: contextlib.ExitStack

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Closed here, not in finalize_response: an error DRF hands back to Django
        # (an Http404, a crash) skips that, and the block would stay open.
        with contextlib.ExitStack() as self._actor_stack:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Token users are known only now (after the middleware ran): attribute writes to them.
        label = f"api {request.method} {request.path}"[:200]
        self._actor_stack.enter_context(acting_as(request.user, label=label))

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(django_error_detail(exc))
        elif isinstance(exc, DjangoPermissionDenied):
            exc = DRFPermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


class ServiceViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """A resource whose writes call the entity's named services (`services`, as the admin does).

    A verb the entity does not offer (a None service) answers 405.
    """

    pagination_class: type[BasePagination] | None = PagePagination
    services: ClassVar[WriteServices | None] = None
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def write_services(self) -> WriteServices:
        """Return the entity's services; a writable resource without them is a bug."""
        if self.services is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names no services.")
        return self.services

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        create = self.write_services().create
        if create is None:
            raise MethodNotAllowed(self.request.method or "POST")
        created = create(**self.service_arguments(serializer.validated_data))
        serializer.instance = self.refetch(created)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        services, instance = self.write_services(), serializer.instance
        assert instance is not None, "an update serializer holds its instance"
        if services.update is None:
            raise MethodNotAllowed(self.request.method or "PATCH")
        fields = self.service_arguments(serializer.validated_data)
        changed = services.update(**{services.instance: instance}, **fields)
        serializer.instance = self.refetch(changed)

    def perform_destroy(self, instance: models.Model) -> None:
        services = self.write_services()
        if services.delete is None:
            raise MethodNotAllowed(self.request.method or "DELETE")
        services.delete(**{services.instance: instance})

    def refetch(self, instance: models.Model) -> models.Model:
        """Reload a written row through the view's queryset (its joins and annotations) for the answer."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def service_arguments(self, validated: dict[str, Any]) -> dict[str, Any]:
        """Return the keyword arguments of the create/update service (override to reshape)."""
        return dict(validated)


class ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only resource."""

    pagination_class: type[BasePagination] | None = PagePagination
