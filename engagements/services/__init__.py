"""Writes of the engagements app."""
