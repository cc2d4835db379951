"""REST API of the SLA app."""
