"""Admin of the billing app (extends the engagements pages with rates, fees and charges inline)."""

from billing.admin import credits, periods, records  # noqa: F401
