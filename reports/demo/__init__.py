"""Demo data: domain.md's worked example and a 24-month story of both delivery models."""
