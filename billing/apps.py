from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Rates, fees, charges, credits, invoices, exchange rates and period close."""

    name = "billing"
    verbose_name = "Billing"
