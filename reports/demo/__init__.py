"""Demo data: domain.md's worked example and a 24-month story of both delivery models."""

from django.dispatch import Signal

# Sent by seed_demo once the demo's facts and reports exist (keyword: last_month). Apps above
# reports (scenarios) connect to it in ready() to add their demo rows: reports never names them.
demo_seeded = Signal()
