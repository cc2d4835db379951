"""REST API of the billing app."""
