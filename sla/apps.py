from django.apps import AppConfig


class SlaConfig(AppConfig):
    """SLA policies, coverage calendars, tickets, outages and uptime."""

    name = "sla"
    verbose_name = "SLA"
