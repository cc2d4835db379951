"""REST API of the engagements app."""
