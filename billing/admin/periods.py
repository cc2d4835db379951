"""Periods: close and reopen actions, each limited to its own permission; reopening asks why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from billing.models import Period, PeriodReopening
from billing.services import period_close, period_reopen, service_credits_assess
from billing.services.periods import PERIOD
from engagements.admin.base import ServiceBackedAdmin
from kernel.months import month_label


class ReopeningInline(admin.TabularInline):
    model = PeriodReopening
    # A tuple: a list[str] is not the list type django-stubs declares for `fields`.
    fields = ("reopened_at", "reopened_by_label", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReopenForm(forms.Form):
    """Why the selected periods are reopened (required, kept with the reopening)."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), strip=True)


@admin.register(Period)
class PeriodAdmin(ServiceBackedAdmin):
    services = PERIOD
    list_display = ["__str__", "closed", "closed_at", "closed_by"]
    list_select_related = ["closed_by"]
    list_filter = ["closed"]
    inlines = [ReopeningInline]
    actions = ["close_periods", "reopen_periods", "assess_credits"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Only the month is entered, once; closing and reopening are actions.
        readonly = ("closed", "closed_at", "closed_by")
        return (*super().get_readonly_fields(request, obj), *readonly, *(("month",) if obj else ()))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a closed period would unlock it without a trace.
        return False

    def has_close_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.close_period")

    def has_reopen_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.reopen_period")

    @admin.action(description="Close the selected months (locks their facts)", permissions=["close"])
    def close_periods(self, request: HttpRequest, queryset: QuerySet[Period]) -> None:
        for period in queryset.order_by("month"):
            try:
                period_close(month=period.month, user=request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{month_label(period.month)}: {text}", messages.ERROR)
            else:
                self.message_user(request, f"{month_label(period.month)} closed.", messages.SUCCESS)

    @admin.action(description="Reopen the selected months…", permissions=["reopen"])
    def reopen_periods(self, request: HttpRequest, queryset: QuerySet[Period]) -> HttpResponse | None:
        form = ReopenForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            for period in queryset.order_by("month"):
                try:
                    period_reopen(month=period.month, user=request.user, reason=form.cleaned_data["reason"])
                except ValidationError as exc:
                    self.message_user(request, f"{month_label(period.month)}: {' '.join(exc.messages)}", messages.ERROR)
                else:
                    self.message_user(request, f"{month_label(period.month)} reopened.", messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reopen closed periods",
            "opts": self.model._meta,
            "periods": queryset.order_by("month"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/billing/period/reopen_confirmation.html", context)

    @admin.action(description="Assess service credits of the selected months", permissions=["change"])
    def assess_credits(self, request: HttpRequest, queryset: QuerySet[Period]) -> None:
        for period in queryset.order_by("month"):
            try:
                credits = service_credits_assess(month=period.month)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, f"{month_label(period.month)}: {len(credits)} credit(s) assessed.")
