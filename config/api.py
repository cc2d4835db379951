"""The API's URLs: the v1 root, every app's resources, the schema and Swagger UI (wiring only)."""

from __future__ import annotations

from typing import ClassVar

from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api.viewsets import ApiViewMixin


class ApiRoot(ApiViewMixin, APIView):
    """List the v1 resources."""

    # Anyone who may read at least engagements (both roles) may list the resources.
    required_permissions = {"GET": ("engagements.view_engagement",)}
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
        "scenarios",
    )

    def get(self, request: Request) -> Response:
        """List the resources' URLs."""
        base = request.build_absolute_uri("/api/v1/")
        return Response({name: f"{base}{name}/" for name in self.resources})


v1: list[URLPattern | URLResolver] = [
    path("", ApiRoot.as_view(), name="api-root"),
    path("", include("engagements.api.urls")),
    path("", include("sla.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("imports.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("scenarios.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
