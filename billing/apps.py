from django.apps import AppConfig

from kernel.roles import AppRoles


class BillingConfig(AppConfig):
    """Rates, fees, charges, credits, invoices, exchange rates and period close."""

    name = "billing"
    verbose_name = "Billing"
    roles = AppRoles(
        # A reopening is the record of a decision: kept as written.
        read_only_models=frozenset({"periodreopening"}),
        # Reopening a closed period is deliberately not here: it is granted person by person.
        operations_extra=frozenset({"close_period"}),
    )

    def ready(self) -> None:
        from billing.guards import refuse_closed_months
        from billing.models.rates import FEE_SCHEDULE_MANAGED_ONLY_MESSAGE
        from billing.selectors.registered import closed_months_among, first_bill_rate_dates
        from engagements.models.entries import DATE_IN_ENGAGEMENT_MESSAGE
        from engagements.selectors import register_bill_rate_starts, register_closed_months
        from kernel.facts import register_write_guard
        from kernel.services import register_database_rule

        # One guard in the shared write path: every model, every write path.
        register_write_guard(refuse_closed_months)
        # Engagements (admin, API, imports) warn about hours no bill rate prices.
        register_bill_rate_starts(first_bill_rate_dates)
        # Engagements' pages (the weekly timesheet) lock the days of closed months before a save fails.
        register_closed_months(closed_months_among)
        register_database_rule("billing_feeschedule_managed_only", "engagement", FEE_SCHEDULE_MANAGED_ONLY_MESSAGE)
        register_database_rule("billing_onetimecharge_date_in_engagement", "date", DATE_IN_ENGAGEMENT_MESSAGE)
