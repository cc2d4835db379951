"""Admins of rates, fees, charges, exchange rates and invoices, and the inlines on engagements' pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.models import (
    ContractorRate,
    ExchangeRate,
    FeeSchedule,
    InternalRate,
    Invoice,
    InvoiceLine,
    OneTimeCharge,
)
from billing.services import invoice_reconcile, invoices_reconcile
from billing.services.invoices import INVOICE, INVOICE_LINE
from billing.services.rates import CONTRACTOR_RATE, EXCHANGE_RATE, FEE_SCHEDULE, INTERNAL_RATE, ONE_TIME_CHARGE
from engagements.admin.base import CappedCountPaginator, ServiceBackedAdmin, ServiceBackedInline
from engagements.admin.extensions import add_inline
from engagements.admin.lists import ListTotalsMixin, Total, dated_in, engagement_filters, in_effect_in, month_filter
from engagements.admin.pickers import register_picker_label
from engagements.models import Contractor, DeliveryModel, Engagement, Person


class ContractorRateInline(ServiceBackedInline):
    model = ContractorRate
    fields = ["hourly_rate", "effective_from"]
    services = CONTRACTOR_RATE
    show_change_link = False


class InternalRateInline(ServiceBackedInline):
    model = InternalRate
    fields = ["hourly_cost", "effective_from"]
    services = INTERNAL_RATE
    show_change_link = False


class FeeScheduleInline(ServiceBackedInline):
    model = FeeSchedule
    fields = ["monthly_fee", "effective_from"]
    services = FEE_SCHEDULE
    show_change_link = False


class OneTimeChargeInline(ServiceBackedInline):
    model = OneTimeCharge
    fields = ["date", "kind", "amount", "description"]
    services = ONE_TIME_CHARGE


def _is_managed(engagement: Engagement | None) -> bool:
    # Flat fees belong to managed engagements only (not on the add page, where the model is not chosen yet).
    return engagement is not None and engagement.model == DeliveryModel.MANAGED


# Billing's rows on engagements' pages, through the extension points of engagements' admin.
add_inline(Contractor, ContractorRateInline)
add_inline(Person, InternalRateInline)
add_inline(Engagement, FeeScheduleInline, shown=_is_managed)
add_inline(Engagement, OneTimeChargeInline)


@admin.register(ContractorRate)
class ContractorRateAdmin(ServiceBackedAdmin):
    services = CONTRACTOR_RATE
    list_display = ["contractor_name", "engagement", "hourly_rate", "effective_from"]
    list_select_related = ["contractor__engagement"]
    list_filter = [
        *engagement_filters("contractor__engagement", contractor="contractor", by_model=False),
        month_filter(in_effect_in("contractor"), "in effect in"),
    ]
    search_fields = ["contractor__name", "contractor__engagement__name"]
    autocomplete_fields = ["contractor"]
    date_hierarchy = "effective_from"

    @admin.display(description="Engagement", ordering="contractor__engagement__name")
    def engagement(self, obj: ContractorRate) -> str:
        return obj.contractor.engagement.name

    @admin.display(description="Contractor", ordering="contractor__name")
    def contractor_name(self, obj: ContractorRate) -> str:
        return obj.contractor.name


@admin.register(InternalRate)
class InternalRateAdmin(ServiceBackedAdmin):
    services = INTERNAL_RATE
    list_display = ["person_or_default", "hourly_cost", "effective_from"]
    list_select_related = ["person"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]

    @admin.display(description="Person", ordering="person__name")
    def person_or_default(self, obj: InternalRate) -> str:
        return str(obj.person or "Organisation default")


@admin.register(FeeSchedule)
class FeeScheduleAdmin(ServiceBackedAdmin):
    services = FEE_SCHEDULE
    list_display = ["engagement", "monthly_fee", "effective_from"]
    list_select_related = ["engagement"]
    list_filter = [
        *engagement_filters("engagement", by_model=False),
        month_filter(in_effect_in("engagement"), "in effect in"),
    ]
    search_fields = ["engagement__name"]
    date_hierarchy = "effective_from"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "engagement":
            kwargs["queryset"] = Engagement.objects.filter(model=DeliveryModel.MANAGED)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(OneTimeCharge)
class OneTimeChargeAdmin(ListTotalsMixin, ServiceBackedAdmin):
    services = ONE_TIME_CHARGE
    list_display = ["date", "engagement", "kind", "amount", "description", "source"]
    list_select_related = ["engagement"]
    list_filter = [*engagement_filters("engagement"), month_filter(dated_in("date")), "kind"]
    search_fields = ["engagement__name", "description", "external_id"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "date"
    paginator = CappedCountPaginator
    list_totals = [Total("Amount", "amount", currency="engagement__currency")]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ServiceBackedAdmin):
    services = EXCHANGE_RATE
    list_display = ["month", "currency", "rate_to_base"]
    list_filter = ["currency"]
    date_hierarchy = "month"


class InvoiceLineInline(ServiceBackedInline):
    model = InvoiceLine
    fields = ["description", "amount"]
    services = INVOICE_LINE
    show_change_link = False


@admin.register(Invoice)
class InvoiceAdmin(ListTotalsMixin, ServiceBackedAdmin):
    services = INVOICE
    list_display = ["number", "engagement", "period", "amount", "expected_amount", "variance", "reconciliation"]
    list_select_related = ["engagement"]
    list_filter = [*engagement_filters("engagement"), month_filter(dated_in("period"), "period"), "reconciliation"]
    list_totals = [
        Total("Invoiced", "amount", currency="engagement__currency"),
        Total("Expected", "expected_amount", currency="engagement__currency"),
    ]
    search_fields = ["number", "engagement__name", "engagement__vendor__name"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "period"
    readonly_fields = ["expected_amount", "variance", "reconciliation", "reconciled_at", "lines_total"]
    inlines = [InvoiceLineInline]
    actions = ["reconcile_again"]

    @admin.display(description="Total of the lines")
    def lines_total(self, obj: Invoice) -> str:
        lines = [line.amount for line in obj.lines.all()] if obj.pk else []
        if not lines:
            return "No lines"
        total = sum(lines)
        return f"{total}" + ("" if total == obj.amount else f" (the invoice says {obj.amount})")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Lines and amount are saved: compare with the engine's expectation now.
        invoice_reconcile(invoice=form.instance)

    @admin.action(description="Reconcile again with the current figures", permissions=["change"])
    def reconcile_again(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        try:
            count = invoices_reconcile(invoices=list(queryset))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, f"Reconciled {count} invoice(s).", messages.SUCCESS)


def _invoice_label(invoice: Invoice) -> str:
    return f"{invoice} - {invoice.engagement.name}"


# Invoice numbers are unique per engagement only: pickers name the engagement too.
register_picker_label(Invoice, _invoice_label, "engagement")
