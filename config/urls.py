"""Root URL configuration."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config.health import healthz
from kernel.api import errors


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    # Resolved per request: the hashed name exists only once collectstatic has run.
    return HttpResponseRedirect(static("site/favicon.svg"))


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reports:latest", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the API's JSON, its docs): no 404 in the console.
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("reports/scenarios/", include("scenarios.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("config.api")),
]

# Under /api/ these answer the API's one error shape in JSON (a body over the
# limit is a 413, a database that cannot be reached a 503); elsewhere Django's pages.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
