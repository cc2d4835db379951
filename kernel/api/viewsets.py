"""The base views: permissions, audit actor, Django errors as 400s, writes through services."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.actor import acting_as
from kernel.services import assign, validated_delete, validated_save

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


def record_update(*, instance: models.Model, **fields: Any) -> models.Model:
    """Change a record's fields and save it through the generic validated path."""
    assign(instance, fields)
    with transaction.atomic():
        return validated_save(instance)


def django_error_detail(exc: DjangoValidationError) -> Any:
    """Return a DRF error body for a Django ValidationError (field messages, else non_field_errors)."""
    return serializers.as_serializer_error(exc)


class ApiViewMixin(_APIView):
    """Permissions, audit actor, and Django errors as 400s for every API view."""

    permission_classes: Sequence[_PermissionClass] = [ModelPermission]
    # What a request needs, by action or HTTP method, where the model's permissions are not it (ModelPermission).
    required_permissions: ClassVar[Mapping[str, Sequence[str]]] = {}
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
            validated_delete(instance)
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
