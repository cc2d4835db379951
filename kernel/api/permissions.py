"""Who may use the API: the role groups, checked once per request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from kernel.roles import LEADERSHIP, OPERATIONS

if TYPE_CHECKING:
    # The stubs' name for what `permission_classes` holds (classes, or `&`/`|` compositions).

    # What the mixins below are mixed into, so that mypy checks their super() calls and view methods.
    _APIView = APIView
    _GenericAPIView = GenericAPIView
else:
    _APIView = _GenericAPIView = object


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
