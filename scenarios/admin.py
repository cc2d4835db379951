"""Admin of scenarios: Operations reads and changes every scenario; saves go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from engagements.admin.base import ServiceBackedAdmin, service_update
from scenarios.models import Scenario
from scenarios.services import INPUT_FIELDS, SCENARIO, scenario_create


@admin.register(Scenario)
class ScenarioAdmin(ServiceBackedAdmin):
    services = SCENARIO
    list_display = ("name", "service_area", "start_month", "chosen_plan", "managed_fee", "author", "updated_at", "page")
    list_filter = ("service_area", "chosen_plan")
    list_select_related = ("service_area", "author")
    search_fields = ("name",)
    date_hierarchy = "start_month"
    fields = ("service_area", "name", "start_month", *INPUT_FIELDS, "author", "realized", "created_at", "updated_at")
    readonly_fields = ("author", "realized", "created_at", "updated_at")

    @admin.display(description="Page")
    def page(self, obj: Scenario) -> str:
        return format_html('<a href="{}">Open</a>', reverse("scenarios:detail", kwargs={"pk": obj.pk}))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            service_update(SCENARIO, obj, form.changed_data)
            return
        names = ("service_area", "name", "start_month", *INPUT_FIELDS)
        created = scenario_create(author=request.user, **{name: getattr(obj, name) for name in names})
        obj.pk, obj._state.adding = created.pk, False
