"""The admin site of the project: Django's, whose index is the operations home for Operations and superusers.

Installed in place of django.contrib.admin (INSTALLED_APPS names `OpsAdminConfig`), the documented way to
replace the default site: every `@admin.register` and `admin.site` reach this one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse


class OpsAdminSite(admin.AdminSite):
    """Django's admin site with the operations home on its index page."""

    index_template = "admin/ops_index.html"
    # What people see in the header, the browser tab and on the home page (Django says "Django administration").
    site_header = "Delivery tracker"
    site_title = "Delivery tracker"
    index_title = "Operations home"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        from config.ops_home import ops_home_context

        return super().index(request, {**ops_home_context(request), **(extra_context or {})})


class OpsAdminConfig(AdminConfig):
    """django.contrib.admin with OpsAdminSite as the default site."""

    default_site = "config.admin_site.OpsAdminSite"
