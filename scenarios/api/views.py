"""Views of scenarios: Leadership and Operations create; only the author or Operations change or delete."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from kernel.api.permissions import ADD, VIEW
from kernel.api.viewsets import ServiceViewSet
from scenarios.api.serializers import ScenarioSerializer
from scenarios.models import Scenario
from scenarios.selectors import scenarios_of
from scenarios.services import DELETE_SCENARIOS, SCENARIO, may_change


class AuthorOrOperations(BasePermission):
    """A scenario is changed or deleted by its author or by a holder of the model permission (Operations)."""

    message = "Only the scenario's author or Operations may change or delete it."

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        permission = DELETE_SCENARIOS if request.method == "DELETE" else "scenarios.change_scenario"
        return may_change(request.user, obj, permission)


class ScenarioViewSet(ServiceViewSet):
    """Saved scenarios with their read-only projection; filter with ?service_area=<id>."""

    serializer_class = ScenarioSerializer
    services = SCENARIO
    filterset_fields = ["service_area"]
    # Both roles read scenarios (the view permission is enough) and add them; a change or a delete
    # needs only to be signed in with the view permission here: the object check decides.
    required_permissions = {"GET": (VIEW,), "POST": (ADD,), "PUT": (VIEW,), "PATCH": (VIEW,), "DELETE": (VIEW,)}

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), AuthorOrOperations()]

    def get_queryset(self) -> QuerySet[Scenario]:
        return scenarios_of().order_by("-updated_at", "-id")

    def service_arguments(self, validated: dict[str, Any]) -> dict[str, Any]:
        arguments = dict(validated)
        if self.action == "create":
            arguments["author"] = self.request.user
        return arguments
