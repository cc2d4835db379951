"""The service credit ledger: assessed by the engine, moved along by claim actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.models import ServiceCredit
from billing.services import (
    next_invoice_for,
    service_credit_apply,
    service_credit_claim,
    service_credit_deny,
    service_credit_grant,
)
from billing.services.credits import SERVICE_CREDIT
from engagements.admin.base import ServiceBackedAdmin, staff_user
from engagements.admin.lists import ListTotalsMixin, Total, dated_in, engagement_filters, month_filter


@admin.register(ServiceCredit)
class ServiceCreditAdmin(ListTotalsMixin, ServiceBackedAdmin):
    services = SERVICE_CREDIT
    list_display = ["engagement", "month", "uptime_pct", "credit_pct", "amount", "status", "applied_invoice"]
    list_select_related = ["engagement", "applied_invoice"]
    list_filter = [*engagement_filters("engagement", by_model=False), month_filter(dated_in("month")), "status"]
    list_totals = [Total("Credits", "amount", currency="engagement__currency")]
    search_fields = ["engagement__name", "note"]
    date_hierarchy = "month"
    fields = [
        "engagement",
        "month",
        "uptime_pct",
        "credit_pct",
        "amount",
        "status",
        "applied_invoice",
        "note",
        "audit_trail",
    ]
    # The engine computes the figures and the actions move the status.
    readonly_fields = ["engagement", "month", "uptime_pct", "credit_pct", "amount", "status", "applied_invoice"]
    actions = ["claim", "grant", "deny", "apply_to_next_invoice"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Credits are assessed from the SLA figures (Periods: "Assess service credits").
        return False

    def _each(
        self, request: HttpRequest, queryset: QuerySet[ServiceCredit], verb: str, move: Callable[[ServiceCredit], Any]
    ) -> None:
        done, refused = 0, []
        for credit in queryset.select_related("engagement"):
            try:
                move(credit)
                done += 1
            except ValidationError as exc:
                refused.append(f"{credit.engagement} {credit.month:%B %Y}: {' '.join(exc.messages)}")
        if done:
            self.message_user(request, f"{done} credit(s) {verb}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Mark as claimed from the provider", permissions=["change"])
    def claim(self, request: HttpRequest, queryset: QuerySet[ServiceCredit]) -> None:
        self._each(request, queryset, "claimed", lambda c: service_credit_claim(credit=c, user=staff_user(request)))

    @admin.action(description="Mark the claim as granted", permissions=["change"])
    def grant(self, request: HttpRequest, queryset: QuerySet[ServiceCredit]) -> None:
        self._each(request, queryset, "granted", lambda c: service_credit_grant(credit=c, user=staff_user(request)))

    @admin.action(description="Mark the claim as denied", permissions=["change"])
    def deny(self, request: HttpRequest, queryset: QuerySet[ServiceCredit]) -> None:
        self._each(request, queryset, "denied", lambda c: service_credit_deny(credit=c, user=staff_user(request)))

    @admin.action(description="Apply to the engagement's next open invoice", permissions=["change"])
    def apply_to_next_invoice(self, request: HttpRequest, queryset: QuerySet[ServiceCredit]) -> None:
        def apply(credit: ServiceCredit) -> None:
            invoice = next_invoice_for(credit)
            if invoice is None:
                raise ValidationError("no invoice of this engagement from the credit's month on in an open period.")
            service_credit_apply(credit=credit, invoice=invoice, user=staff_user(request))

        self._each(request, queryset, "applied", apply)
