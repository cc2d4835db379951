"""Admin of the SLA app: policies and calendars, tickets with their clocks, outages and uptime."""

from sla.admin import registry  # noqa: F401
