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
        from engagements.models.entries import DATE_IN_ENGAGEMENT_MESSAGE
        from kernel.facts import register_write_guard
        from kernel.services import register_database_rule

        # One guard in the shared write path: every model, every write path.
        register_write_guard(refuse_closed_months)
        register_database_rule("billing_feeschedule_managed_only", "engagement", FEE_SCHEDULE_MANAGED_ONLY_MESSAGE)
        register_database_rule("billing_onetimecharge_date_in_engagement", "date", DATE_IN_ENGAGEMENT_MESSAGE)
