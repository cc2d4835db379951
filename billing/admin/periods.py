"""Periods: the close screen (pick a month, see its checks, close it), and close and reopen actions, each limited to
its own permission; reopening asks why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from billing.admin.closing import CloseCheck, close_checks
from billing.models import Period, PeriodReopening
from billing.services import period_close, period_reopen, service_credits_assess
from billing.services.periods import PERIOD, ensure_month_is_over
from engagements.admin.base import ServiceBackedAdmin, staff_user
from kernel.months import add_months, current_month, month_label, parse_month

# Months offered on the close screen: this many before the current one.
CLOSE_MONTHS_OFFERED = 12


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


def checks_signature(checks: list[CloseCheck]) -> str:
    """Say what the checks found, so a close confirms the very warnings the person read."""
    return ",".join(f"{check.key}:{check.count}" for check in checks)


def _offered_months(closed: dict[dt.date, Period], chosen: dt.date) -> list[dict[str, Any]]:
    """The months before the current one, newest first, and the chosen one wherever it is (a link may name any)."""
    months = {add_months(current_month(), -k) for k in range(1, CLOSE_MONTHS_OFFERED + 1)} | {chosen}
    return [
        {"value": f"{m:%Y-%m}", "label": month_label(m), "closed": m in closed} for m in sorted(months, reverse=True)
    ]


def _default_month(closed: dict[dt.date, Period]) -> dt.date:
    """The month after the newest closed one (the next to close), else last month; never before the offered ones."""
    last = add_months(current_month(), -1)
    newest = max((month for month in closed if month <= last), default=None)
    if newest is None or newest >= last:
        return last
    return max(add_months(newest, 1), add_months(last, -(CLOSE_MONTHS_OFFERED - 1)))


@admin.register(Period)
class PeriodAdmin(ServiceBackedAdmin):
    services = PERIOD
    change_list_template = "admin/billing/period/change_list.html"
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

    def get_urls(self) -> list[URLPattern]:
        close = path("close/", self.admin_site.admin_view(self.close_view), name="billing_period_close")
        return [close, *super().get_urls()]

    def close_view(self, request: HttpRequest) -> HttpResponse:
        """Pick a month, read its checks, close it with one confirmation (warnings acknowledged, never blocking)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        closed = {period.month: period for period in Period.objects.closed().select_related("closed_by")}
        raw = request.POST.get("month") if request.method == "POST" else request.GET.get("month")
        month, error = self._closable(parse_month(raw), closed)
        checks = close_checks(month)
        if request.method == "POST" and not error:
            if not self.has_close_permission(request):
                raise PermissionDenied
            error = self._close(request, month, checks)
            if not error:
                return HttpResponseRedirect(f"{reverse('admin:billing_period_close')}?month={month:%Y-%m}")
        context = {
            **self.admin_site.each_context(request),
            "title": "Close a month",
            "opts": self.model._meta,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "months": _offered_months(closed, month),
            "period": closed.get(month),
            "checks": checks,
            "warnings": sum(not check.ok for check in checks),
            "signature": checks_signature(checks),
            "can_close": self.has_close_permission(request),
            "error": error,
            "report_url": reverse("reports:month", kwargs={"month": f"{month:%Y-%m}"}),
        }
        return TemplateResponse(request, "admin/billing/period/close.html", context)

    @staticmethod
    def _closable(requested: dt.date | None, closed: dict[dt.date, Period]) -> tuple[dt.date, str]:
        """The month the screen shows, and why the requested one is not offered (a month not over cannot close)."""
        if requested is None:
            return _default_month(closed), ""
        try:
            ensure_month_is_over(requested)
        except ValidationError as exc:
            return _default_month(closed), " ".join(exc.messages)
        return requested, ""

    def _close(self, request: HttpRequest, month: dt.date, checks: list[CloseCheck]) -> str:
        """Close the month if the person saw and acknowledged the current warnings; return what went wrong."""
        if any(not check.ok for check in checks):
            if request.POST.get("seen") != checks_signature(checks):
                return "The checks changed since the page was shown: read them again before closing."
            if not request.POST.get("acknowledge"):
                return "Tick the box to confirm you have read the warnings, or fix them first."
        try:
            period_close(month=month, user=staff_user(request))
        except ValidationError as exc:
            return " ".join(exc.messages)
        self.message_user(request, f"{month_label(month)} closed: its facts are locked.", messages.SUCCESS)
        return ""

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
