"""Writes of the SLA app."""
