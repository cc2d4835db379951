"""Who may use the API: Django permissions, the view's model's by default, the view's own where it names them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

# Templates filled in with the view's model, as DRF's DjangoModelPermissions does.
VIEW = "%(app_label)s.view_%(model_name)s"
ADD = "%(app_label)s.add_%(model_name)s"
CHANGE = "%(app_label)s.change_%(model_name)s"
DELETE = "%(app_label)s.delete_%(model_name)s"
# HEAD and OPTIONS need what GET needs.
SAME_AS_GET = frozenset({"HEAD", "OPTIONS"})


def read_all_permission() -> tuple[str, ...]:
    """Return the permission that reading an ordinary resource needs besides its view permission (a setting)."""
    name: str = getattr(settings, "API_READ_PERMISSION", "")
    return (name,) if name else ()


def default_permissions(method: str) -> tuple[str, ...]:
    """Return the permission templates a request of this method needs when its view names none."""
    if method == "GET":
        return (VIEW, *read_all_permission())
    return {"POST": (ADD,), "PUT": (CHANGE,), "PATCH": (CHANGE,), "DELETE": (DELETE,)}.get(method, ())


def declared_permissions(view: APIView, method: str) -> Sequence[str] | None:
    """Return what the view names for this request (by action, then by method), or None."""
    declared: Mapping[str, Sequence[str]] = getattr(view, "required_permissions", {})
    action = getattr(view, "action", None)
    if action and action in declared:
        return declared[action]
    return declared.get(method)


def required_permissions(view: APIView, method: str) -> list[str]:
    """Return the permissions a request of `method` to `view` needs, with the view's model filled in."""
    method = "GET" if method in SAME_AS_GET else method
    declared = declared_permissions(view, method)
    templates = default_permissions(method) if declared is None else declared
    if not any("%(" in template for template in templates):
        return list(templates)
    model = model_of(view)
    names = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
    return [template % names for template in templates]


def model_of(view: APIView) -> Any:
    """Return the model of the view's queryset (the view names its permissions when it has none)."""
    get_queryset = getattr(view, "get_queryset", None)
    queryset = get_queryset() if get_queryset is not None else getattr(view, "queryset", None)
    if queryset is None:
        raise ImproperlyConfigured(f"{type(view).__name__} has no queryset: set its required_permissions.")
    return queryset.model


class ModelPermission(BasePermission):
    """Reads need the model's view permission, writes its add/change/delete; a view may name its own instead.

    A view's `required_permissions` maps an action name or an HTTP method to the permissions it needs
    (templates such as VIEW allowed). An ordinary resource's GET also needs `settings.API_READ_PERMISSION`,
    so a role that views every model in the admin reads through the API only the resources that name
    VIEW alone for GET. Anonymous requests get 401, the others 403.
    """

    message = "Your account lacks the permission this request needs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            # False for an anonymous request becomes 401 (token authentication is first).
            return False
        assert request.method is not None, "a request has a method"
        return user.has_perms(required_permissions(view, request.method))
