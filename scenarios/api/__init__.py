"""REST API of scenarios: saved what-if projections of a service area."""
